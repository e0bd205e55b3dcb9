"""A newcomer's first hour (issue 16): each point as a test, the CLI through its real entry point
``newsearch.cli.main`` (what the ``newsearch`` script calls)."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import orjson
import pytest

import newsearch
from newsearch.cli import main
from newsearch.terminal import FSI, RLM, Style

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
README = (ROOT / "README.md").read_text("utf-8")
ARTICLE = "FR-internationalNews-1148-20180509"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``newsearch ARGV``: (exit code, stdout, stderr); argparse's own exits count too."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


# -- 1. the main classes on the top package ---------------------------------------------------


def test_1_main_classes_are_on_the_top_package() -> None:
    from newsearch.index import NewsIndex
    from newsearch.request import SearchRequest
    from newsearch.search import Searcher

    assert newsearch.NewsIndex is NewsIndex
    assert newsearch.Searcher is Searcher and newsearch.SearchRequest is SearchRequest
    for name in newsearch.__all__:
        assert getattr(newsearch, name) is not None, name
    # In a fresh interpreter too (the lazy loading is not an artefact of the test session).
    code = "import newsearch; print(newsearch.NewsIndex.__name__, newsearch.sample_path().name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["NewsIndex", "ant_sample.jsonl.gz"]


# -- 2. searcher() is typed -------------------------------------------------------------------


def test_2_searcher_is_typed() -> None:
    from newsearch.index import NewsIndex
    from newsearch.request import RankingOptions
    from newsearch.search import Searcher

    names = {"RankingOptions": RankingOptions, "Searcher": Searcher}  # imported for type checking
    hints = typing.get_type_hints(NewsIndex.searcher, localns=names)
    assert hints["return"] is Searcher


# -- 3. --version -----------------------------------------------------------------------------


def test_3_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"newsearch {newsearch.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", newsearch.__version__)


# -- 4. the demo works from any directory ------------------------------------------------------


def test_4_demo_runs_from_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["demo", "كوريا الشمالية"], capsys)
    assert code == 0, err
    assert "Indexed 268 articles from the bundled sample" in out
    assert "## كوريا الشمالية  (41 matching articles" in out
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_4_demo_takes_any_json_lines_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "mine.jsonl.gz"
    rows = [
        {"id": "a", "title": "أسعار النفط ترتفع", "body": "ارتفعت أسعار النفط اليوم"},
        {"id": "b", "title": "كأس العالم", "body": "بدأت مباريات كأس العالم"},
    ]
    sample.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in rows)))
    code, out, err = run(["demo", "--sample", str(sample), "النفط"], capsys)
    assert code == 0, err
    assert f"Indexed 2 articles from {sample}" in out and "a · score" in out
    code, _, err = run(["demo", "--sample", str(tmp_path / "missing.jsonl")], capsys)
    assert code == 2 and "missing.jsonl" in err
    # --index keeps the index, and never replaces a directory that holds something.
    kept = tmp_path / "kept"
    assert run(["demo", "--sample", str(sample), "--index", str(kept), "النفط"], capsys)[0] == 0
    code, _, err = run(["demo", "--sample", str(sample), "--index", str(kept)], capsys)
    assert code == 2 and "--overwrite" in err
    argv = ["demo", "--sample", str(sample), "--index", str(kept), "--overwrite", "كأس"]
    assert run(argv, capsys)[0] == 0


def test_4_the_sample_and_its_attribution_ship_in_the_package() -> None:
    from newsearch.sample import attribution, sample_path

    path = sample_path()
    assert path.is_file() and ROOT / "src" / "newsearch" in path.parents
    with gzip.open(path, "rt", encoding="utf-8") as f:
        ids = [orjson.loads(line)["id"] for line in f if line.strip()]
    fixture = ROOT / "tests" / "data" / "ant" / "fixture_articles.jsonl"
    fixture_ids = [orjson.loads(x)["id"] for x in fixture.read_text("utf-8").splitlines() if x]
    assert ids == fixture_ids  # the same 268 articles the tests and the README use
    text = attribution()
    assert "ANT Corpus v2.1" in text and "Apache License 2.0" in text and "Chouigui" in text
    data = ROOT / "src" / "newsearch" / "data"
    assert sorted(p.name for p in data.iterdir()) == ["ATTRIBUTION.md", "ant_sample.jsonl.gz"]
    assert not any("saudi" in p.name.lower() for p in data.iterdir())
    assert "data/*" in PYPROJECT["tool"]["setuptools"]["package-data"]["newsearch"]


# -- 5. the web example's test client comes with [web] ------------------------------------------


def test_5_web_extra_has_the_test_client() -> None:
    web = PYPROJECT["project"]["optional-dependencies"]["web"]
    assert any(d.startswith("httpx2") for d in web)
    assert "from fastapi.testclient import TestClient" in README  # what needs it


# -- 6. bad values: exit 2, naming the flag ------------------------------------------------------

BAD_VALUES = [
    (["search", "{ix}", "كوريا", "--limit", "-1"], "--limit"),
    (["search", "{ix}", "كوريا", "--page", "0"], "--page"),
    (["search", "{ix}", "كوريا", "--page", "100000"], "--page"),
    (["related", "{ix}", ARTICLE, "--k", "0"], "--k"),
]


@pytest.mark.parametrize(
    ("argv", "flag"), BAD_VALUES, ids=[f"{a[0]} {a[-2]} {a[-1]}" for a, _ in BAD_VALUES]
)
def test_6_bad_values_exit_2_naming_the_flag(
    argv: list[str], flag: str, fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([a.replace("{ix}", str(fixture_index_dir)) for a in argv], capsys)
    assert code == 2 and out == ""
    assert err.startswith("newsearch: error: ") and flag in err, err


# -- 7. terminal output and --json --------------------------------------------------------------


def test_7_search_prints_text_not_html(
    fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["search", str(fixture_index_dir), "كوريا الشمالية", "--limit", "3"], capsys)
    assert code == 0
    assert "<mark>" not in out and "\x1b[" not in out and RLM not in out  # a pipe: plain
    lines = out.splitlines()
    assert re.match(r"\d+ results \(", lines[0])
    for line in lines[1:]:  # metadata lines hold no Arabic, text lines no metadata
        arabic = bool(re.search(r"[\u0600-\u06ff]", line))
        meta = bool(re.match(r"\s*\d+\. ", line))
        assert not (arabic and meta), line
    assert "&quot;" not in out and "&amp;" not in out  # entities unescaped


def test_7_colour_on_a_terminal_and_never_with_no_color(
    fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["--color", "always", "search", str(fixture_index_dir), "كوريا"], capsys)
    assert code == 0 and "\x1b[1;33m" in out and "<mark>" not in out
    assert any(line.lstrip().startswith(RLM) for line in out.splitlines())
    _, after, _ = run(["search", str(fixture_index_dir), "كوريا", "--color", "always"], capsys)
    timeless = re.compile(r"\([\d.]+ ms\)")
    assert timeless.sub("", after) == timeless.sub("", out)  # --color after the command too

    class Tty:
        def isatty(self) -> bool:
            return True

    assert Style.for_stream(Tty(), environ={}).color  # type: ignore[arg-type]
    assert not Style.for_stream(Tty(), environ={"NO_COLOR": "1"}).color  # type: ignore[arg-type]
    assert Style.for_stream(Tty(), environ={"NO_COLOR": ""}).color  # type: ignore[arg-type]
    assert not Style.for_stream(Tty(), "never", environ={}).color  # type: ignore[arg-type]
    assert not Style.for_stream(sys.stdout, environ={}).color  # captured: not a terminal
    html = "قال <mark>الرئيس</mark>\nإن &quot;الاتفاق&quot;   قريب"
    assert Style(color=False).marked(html) == 'قال الرئيس إن "الاتفاق" قريب'
    assert Style(color=True).marked(html) == 'قال \x1b[1;33mالرئيس\x1b[0m إن "الاتفاق" قريب'
    assert Style(color=True).rtl("نص") == RLM + "نص" and Style(color=True).rtl("text") == "text"
    assert Style(color=True).isolate("نص").startswith(FSI)


def test_7_snippets_are_one_line_each(
    fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsearch import NewsIndex

    with NewsIndex.open(fixture_index_dir).searcher() as s:
        hits = s.search("الحكومة", limit=20).hits
    assert any("\n" in snip for h in hits for snip in h.snippets)  # the raw material has them
    code, out, _ = run(["search", str(fixture_index_dir), "الحكومة", "--limit", "20"], capsys)
    assert code == 0
    shown = [line for line in out.splitlines() if line.startswith("     ")]
    assert len(shown) >= 2 * len(hits)  # title and snippet lines, none broken up


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "{ix}", "كوريا"],
        ["related", "{ix}", ARTICLE],
        ["duplicates", "{ix}"],
        ["duplicates", "{ix}", "AL-internationalNews-1284-20180522"],
        ["info", "{ix}"],
        ["analyze", "والحكومة المصرية"],
        ["analyzers"],
    ],
    ids=lambda a: a[0] + ("-id" if len(a) == 3 and a[0] == "duplicates" else ""),
)
def test_7_json_on_every_command_that_prints_results(
    argv: list[str], fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{ix}", str(fixture_index_dir)) for a in argv]
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    assert orjson.loads(out)


def test_7_analyze_json_has_terms_and_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", "أكدت الحكومةُ المصرية", "--json"], capsys)
    assert code == 0
    data = orjson.loads(out)
    assert [(t["term"], t["start"], t["end"]) for t in data["terms"]][:2] == [
        ("اكدت", 0, 4),
        ("حكوم", 5, 13),
    ]


# -- 8. a missing extra is said up front, with the install command --------------------------------


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    import newsearch.extras

    real = newsearch.extras.find_spec

    def find_spec(name: str) -> object:
        return None if name in modules else real(name)

    monkeypatch.setattr(newsearch.extras, "find_spec", find_spec)


def test_8_experiment_without_bench_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch.errors import ConfigError, MissingExtraError, NewsearchError
    from newsearch.evaluate import Experiment, Setup, Task

    _without(monkeypatch, "ir_measures")
    task = Task("t", corpus="c", load_docs=lambda: pytest.fail("loaded docs"), queries={}, qrels={})
    with pytest.raises(MissingExtraError) as e:
        Experiment({"light": Setup()}, task)
    assert isinstance(e.value, ImportError) and isinstance(e.value, NewsearchError)
    assert not isinstance(e.value, ConfigError)
    assert "pip install 'newsearch[bench]'" in str(e.value) and "ir_measures" in str(e.value)
    assert e.value.extra == "bench" and e.value.missing == ["ir_measures"]


def test_8_bench_and_serve_say_which_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _without(monkeypatch, "scipy", "fastapi")
    code, _, err = run(["bench", str(tmp_path / "no.toml")], capsys)
    assert code == 2 and "pip install 'newsearch[bench]'" in err and "scipy" in err
    code, _, err = run(["serve", str(tmp_path)], capsys)
    assert code == 2 and "pip install 'newsearch[web]'" in err
    from newsearch.errors import MissingExtraError

    for name in [m for m in sys.modules if m.startswith("newsearch.web")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(MissingExtraError, match=r"pip install 'newsearch\[web\]'"):
        import newsearch.web  # noqa: F401


# -- 9. licence and metadata --------------------------------------------------------------------


def test_9_license_and_metadata() -> None:
    license_text = (ROOT / "LICENSE").read_text("utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0" and "LICENSE" in project["license-files"]
    classifiers = project["classifiers"]
    for c in ("Natural Language :: Arabic", "Typing :: Typed", "Intended Audience :: Developers"):
        assert c in classifiers
    assert any(c.startswith("Development Status") for c in classifiers)
    assert any(c.startswith("Programming Language :: Python :: 3.1") for c in classifiers)
    for url in project.get("urls", {}).values():  # none until the project has a public home
        assert url.startswith("https://")


def test_9_readme_has_no_links_that_break_on_a_package_index() -> None:
    targets = re.findall(r"\]\(([^)]+)\)", README)
    assert targets  # it does link
    relative = [t for t in targets if not re.match(r"https?://|#", t)]
    assert not relative, f"relative links break on a package index page: {relative}"


# -- 10. the dependencies are what the code imports ---------------------------------------------

MODULE_OF = {"whoosh-reloaded": "whoosh", "PyStemmer": "Stemmer"}


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "newsearch").rglob("*.py"):
        text = path.read_text("utf-8")
        found |= set(re.findall(r"^\s*(?:import|from) ([A-Za-z_]\w*)", text, re.M))
    return found


def test_10_required_dependencies_are_used_and_listed() -> None:
    deps = [re.split(r"[<>=!~\[ ]", d)[0] for d in PYPROJECT["project"]["dependencies"]]
    assert "pyarabic" not in deps
    imported = _imported_modules()
    install = README[README.index("## Install options") :]
    for dep in deps:
        assert MODULE_OF.get(dep, dep) in imported, f"{dep} is required but not imported"
        assert f"`{dep}`" in install, f"README's install section does not list {dep}"
    assert "pyarabic" not in imported  # used by tests and benchmarks only
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(d.startswith("pyarabic") for d in extras["dev"])


# -- 11. plot() leaves the caller's matplotlib alone ----------------------------------------------


def test_11_plot_keeps_the_callers_backend(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib
    import matplotlib.pyplot as plt

    from newsearch.evaluate.results import ExperimentResult, Setup, SetupResult

    before = matplotlib.get_backend()
    figures = plt.get_fignums()
    res = {
        name: SetupResult(name, Setup(), means={"nDCG@10": v}, per_query={"nDCG@10": {"q": v}})
        for name, v in (("a", 0.5), ("b", 0.6))
    }
    result = ExperimentResult({"name": "t"}, ["nDCG@10"], "a", 10, res, "now", 0.0)
    result.plot(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert matplotlib.get_backend() == before and plt.get_fignums() == figures


# -- go further: completion and --help examples --------------------------------------------------


def _commands() -> list[str]:
    from newsearch.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return list(sub.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", _commands())
def test_help_shows_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0 and "examples:" in out and f"newsearch {command}" in out.split("examples:")[1]


def test_bash_completion(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, script, _ = run(["completion", "bash"], capsys)
    assert code == 0 and "complete -o default -F _newsearch newsearch" in script
    (tmp_path / "c.sh").write_text(script)

    def complete(*words: str) -> list[str]:
        probe = (
            f"source {tmp_path / 'c.sh'}; COMP_WORDS=(newsearch {' '.join(words)});"
            f' COMP_CWORD={len(words)}; _newsearch; printf "%s\\n" "${{COMPREPLY[@]}}"'
        )
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
        return out.stdout.split()

    assert complete("se") == ["search", "serve"]
    assert complete("--color", "never", "search", "ix", "--so") == ["--source", "--sort"]
    assert complete("search", "ix", "--sort", "''") == ["relevance", "newest", "oldest", "recency"]
    assert complete("--ver") == ["--version"]
    code, zsh, _ = run(["completion", "zsh"], capsys)
    assert code == 0 and "bashcompinit" in zsh and "_newsearch" in zsh
    code, _, err = run(["completion", "fish"], capsys)
    assert code == 2 and "invalid choice" in err


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> str:
    """Run ``python -m newsearch ARGV`` with its standard output on a pseudo-terminal."""
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsearch", *argv], stdout=follower, stderr=subprocess.PIPE, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_7_colour_on_a_real_terminal_unless_no_color(fixture_index_dir: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    argv = ["search", str(fixture_index_dir), "كوريا الشمالية", "--limit", "2"]
    shown = _on_a_terminal(argv, env)
    assert "\x1b[1;33m" in shown and "<mark>" not in shown and RLM in shown
    plain = _on_a_terminal(argv, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain and "<mark>" not in plain and RLM not in plain
    assert "كوريا الشمالية" in plain


def test_optimize_merges_an_index_into_one_segment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = ROOT / "tests" / "data" / "ant" / "fixture_articles.jsonl"
    lines = fixture.read_text("utf-8").splitlines()
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:200]) + "\n", "utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[200:]) + "\n", "utf-8")
    ix = str(tmp_path / "ix")
    for part in ("a", "b"):  # two ingests: two segments (the second is the smaller)
        assert run(["index", ix, str(tmp_path / f"{part}.jsonl"), "--quiet"], capsys)[0] == 0
    code, out, err = run(["optimize", ix, "--json"], capsys)
    assert code == 0, err
    got = orjson.loads(out)
    assert (got["segments_before"], got["segments_after"]) == (2, 1)
    code, out, _ = run(["optimize", ix], capsys)
    assert code == 0 and "1 segment(s) -> 1" in out
    code, out, _ = run(["search", ix, "كوريا الشمالية", "--json"], capsys)
    assert code == 0 and orjson.loads(out)["total"] > 0
    code, _, err = run(["optimize", str(tmp_path / "nothing-here")], capsys)
    assert code == 2 and "nothing-here" in err


def _runnable_examples() -> list[str]:
    """The ``--help`` examples that read an index or a text and write nothing (``index``,
    ``optimize``, ``demo``, ``serve``, ``bench`` and shell pipelines are left out)."""
    import shlex

    from newsearch.cli_parser import EXAMPLES

    out = []
    for command, text in EXAMPLES.items():
        if command in ("index", "optimize", "serve", "bench", "demo", "completion"):
            continue
        for line in text.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("newsearch ") and "|" not in line:
                out.append(line)
                shlex.split(line)  # well formed
    return out


@pytest.mark.parametrize("example", _runnable_examples())
def test_help_examples_run(
    example: str, fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    argv = [a.replace("news-index", str(fixture_index_dir)) for a in shlex.split(example)[1:]]
    code, out, err = run(argv, capsys)
    assert code == 0 and out, err
