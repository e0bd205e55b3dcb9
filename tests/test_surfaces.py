"""Every option of the request objects is reachable from every surface, with the same default
and the same validation: the CLI (``newsearch search``/``related``), the web API (and its
OpenAPI description) and a benchmark setup."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newsearch.cli import build_parser, main
from newsearch.cli_options import from_args
from newsearch.errors import ConfigError
from newsearch.evaluate.peers import _split
from newsearch.index import NewsIndex
from newsearch.request import (
    RELATED_RANKING,
    Option,
    RankingOptions,
    RelatedRequest,
    SearchRequest,
    options,
)
from newsearch.search import Searcher
from newsearch.web import create_app

SEARCH_OPTIONS = [(SearchRequest, o) for o in options(SearchRequest)] + [
    (RankingOptions, o) for o in options(RankingOptions)
]
RELATED_OPTIONS = [(RelatedRequest, o) for o in options(RelatedRequest)] + [
    (RankingOptions, o) for o in options(RankingOptions) if o.name in RELATED_RANKING
]


def _sample(opt: Option) -> tuple[Any, list[str]]:
    """A value other than the default, as Python sets it and as text on a command line."""
    kind = opt.kind
    if opt.name == "query":
        return "كوريا", ["كوريا"]
    if opt.name == "article":
        return "a1", ["a1"]
    if opt.name == "scorer":
        return "bm25", ["bm25"]
    if kind in ("int", "float"):
        lo = opt.minimum if opt.minimum is not None else -1e9
        hi = opt.maximum if opt.maximum is not None else 1e9
        candidates = [7, 30, 50] if kind == "int" else [0.5, 0.25, 3.0]
        value = next(v for v in candidates if lo <= v <= hi and v != opt.default)
        return value, [str(value)]
    if kind == "bool":
        return (not opt.default), []
    if kind == "choice":
        value = next(c for c in opt.choices if c != opt.default)
        return value, [value]
    if kind == "many":
        value = opt.choices[-1] if opt.choices else "BBC"
        return (value,), [value]
    if kind == "mapping" and opt.name == "scorer_params":
        return {"title_b": 0.3}, ["title_b=0.3"]
    if kind == "mapping":
        return {"title": 3.0}, ["title=3"]
    if kind == "date":
        return "2018-05-01", ["2018-05-01"]
    raise AssertionError(kind)


def _cli_words(opt: Option, text: list[str]) -> list[str]:
    if not opt.cli.startswith("--"):
        return []  # positional: given in the base command
    if opt.kind == "bool":
        return [opt.cli if not opt.default else "--no-" + opt.cli[2:]]
    return [opt.cli, *text]


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _fields(cls: type, obj: Any) -> dict[str, Any]:
    return {o.name: getattr(obj, o.name) for o in options(cls)}


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_without_flags_gives_every_default() -> None:
    args = _parse(["search", "IX", "كوريا"])
    assert from_args(args, SearchRequest) == SearchRequest("كوريا")
    assert from_args(args, RankingOptions) == RankingOptions()
    args = _parse(["related", "IX", "a1"])
    assert from_args(args, RelatedRequest) == RelatedRequest("a1")
    assert from_args(args, RankingOptions) == RankingOptions()


@pytest.mark.parametrize(
    ("cls", "opt"), SEARCH_OPTIONS, ids=lambda v: v.name if isinstance(v, Option) else ""
)
def test_cli_search_sets_every_option(cls: type, opt: Option) -> None:
    value, text = _sample(opt)
    args = _parse(["search", "IX", "كوريا", *_cli_words(opt, text)])
    base = {"query": "كوريا"} if cls is SearchRequest else {}
    got = from_args(args, cls)
    assert got == cls(**{**base, opt.name: value})
    help_text = build_parser()._subparsers._group_actions[0].choices["search"].format_help()  # type: ignore[union-attr]
    assert opt.cli in help_text


@pytest.mark.parametrize(
    ("cls", "opt"), RELATED_OPTIONS, ids=lambda v: v.name if isinstance(v, Option) else ""
)
def test_cli_related_sets_every_option(cls: type, opt: Option) -> None:
    value, text = _sample(opt)
    args = _parse(["related", "IX", "a1", *_cli_words(opt, text)])
    base = {"article": "a1"} if cls is RelatedRequest else {}
    assert from_args(args, cls) == cls(**{**base, opt.name: value})


# --- one validation -----------------------------------------------------------------------------

BAD = [
    ("limit", "101", "size"),
    ("page", "0", "page"),
    ("sort", "random", "sort"),
    ("snippet_chars", "5", "snippet_chars"),
    ("proximity", "-1", "proximity"),
    ("b", "2", "b"),
    ("date_from", "yesterday", "from"),
    ("weights", "title", "weight"),
]


@pytest.mark.parametrize(("field", "value", "param"), BAD)
def test_bad_values_are_refused_alike_everywhere(
    field: str, value: str, param: str, fixture_index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cls = SearchRequest if field in {o.name for o in options(SearchRequest)} else RankingOptions
    opt = next(o for o in options(cls) if o.name == field)
    with pytest.raises(ConfigError) as python_error:
        cls(**{field: [value] if opt.kind in ("many", "mapping") else value})
    assert str(python_error.value).startswith(f"{field}:")
    # The CLI refuses it with exit 2, naming its flag (argparse refuses a bad choice itself).
    try:
        code = main(["search", str(fixture_index_dir), "كوريا", opt.cli, value])
    except SystemExit as e:
        code = int(e.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert opt.cli in err or "invalid choice" in err
    # The web API answers 400, naming its parameter.
    with TestClient(create_app(fixture_index_dir, refresh_interval=0, warm=False)) as http:
        r = http.get("/search", params={"q": "كوريا", param: value})
    assert r.status_code == 400 and r.json()["details"][0]["param"] == param, r.text


# --- the web API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(fixture_index_dir: Path) -> Any:
    with TestClient(create_app(fixture_index_dir, refresh_interval=0, warm=False)) as c:
        yield c


def _openapi_params(http: TestClient, path: str) -> dict[str, dict[str, Any]]:
    spec = http.get("/openapi.json").json()
    return {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize(
    ("path", "pairs"),
    [("/search", SEARCH_OPTIONS), ("/articles/{article_id}/related", RELATED_OPTIONS)],
    ids=["search", "related"],
)
def test_openapi_lists_every_option_with_its_default(
    http: TestClient, path: str, pairs: list[tuple[type, Option]]
) -> None:
    params = _openapi_params(http, path)
    for _cls, opt in pairs:
        if opt.name == "article":
            assert params["article_id"]["in"] == "path"
            continue
        assert opt.http in params, opt.name
        schema = params[opt.http]["schema"]
        if opt.default not in (None, (), {}):
            assert schema.get("default") == _jsonable(opt.default), opt.name
        if opt.minimum is not None:
            assert schema["anyOf"][0].get("minimum") == opt.minimum, opt.name


def _http_value(opt: Option, value: Any) -> Any:
    if opt.kind == "bool":
        return "true" if value else "false"
    if opt.kind == "mapping":
        return [f"{k}:{v}" for k, v in value.items()]
    if opt.kind == "many":
        return list(value)
    return value


@pytest.mark.parametrize(
    ("cls", "opt"), SEARCH_OPTIONS, ids=lambda v: v.name if isinstance(v, Option) else ""
)
def test_http_search_sets_every_option(
    http: TestClient, cls: type, opt: Option, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[SearchRequest, RankingOptions]] = []
    real = Searcher.run

    def spy(self: Searcher, request: SearchRequest, options: Any = None, **kw: Any) -> Any:
        seen.append((request, options))
        return real(self, request, options, **kw)

    monkeypatch.setattr(Searcher, "run", spy)
    value, _ = _sample(opt)
    r = http.get("/search", params={"q": "كوريا", opt.http: _http_value(opt, value)})
    assert r.status_code == 200, r.text
    request, ranking = seen.pop()
    got = request if cls is SearchRequest else ranking
    assert getattr(got, opt.name) == getattr(cls(**{opt.name: value}), opt.name)
    # Everything not sent keeps its default.
    default = SearchRequest("كوريا") if cls is RankingOptions else RankingOptions()
    assert (ranking if cls is SearchRequest else request) == default


# --- a benchmark setup ---------------------------------------------------------------------------


def test_every_option_is_a_benchmark_setup_key() -> None:
    fixed = {"query", "limit", "page", "fields", "article", "k"}  # set by the runner per task
    for cls, opt in SEARCH_OPTIONS:
        if opt.name in fixed:
            continue
        value, _ = _sample(opt)
        asked, ranking = _split({opt.name: value}, SearchRequest, RankingOptions)
        got = SearchRequest(**asked) if cls is SearchRequest else RankingOptions(**ranking)
        assert getattr(got, opt.name) == getattr(cls(**{opt.name: value}), opt.name)
    for _cls, opt in RELATED_OPTIONS:
        if opt.name in fixed:
            continue
        value, _ = _sample(opt)
        asked, ranking = _split({opt.name: value}, RelatedRequest, RankingOptions)
        assert (asked or ranking) == {opt.name: value}
    with pytest.raises(ConfigError, match="unknown"):
        _split({"k3": 1}, SearchRequest, RankingOptions)


def test_index_searcher_is_typed(tmp_path: Path) -> None:
    ix = NewsIndex.in_memory()
    with ix.searcher(RankingOptions(proximity=0)) as s:
        assert isinstance(s, Searcher) and s.options.proximity == 0


# --- the documentation ---------------------------------------------------------------------------


def options_table(cls: type) -> str:
    """The Markdown table of ``cls``'s options, as docs/search.md carries it."""
    rows = ["| option | CLI | HTTP | default | meaning |", "|---|---|---|---|---|"]
    for opt in options(cls):
        default = opt.default
        if isinstance(default, tuple):
            default = ", ".join(default) or "—"
        elif default in (None, {}, ""):
            default = "—"
        elif isinstance(default, bool):
            default = str(default).lower()
        if not opt.cli.startswith("--"):
            cli = f"`{opt.cli}` (argument)"
        elif opt.kind == "bool":
            cli = f"`{opt.cli}` / `--no-{opt.cli[2:]}`"
        else:
            cli = f"`{opt.cli}`"
        rows.append(f"| `{opt.name}` | {cli} | `{opt.http}` | {default} | {opt.help} |")
    return "\n".join(rows)


@pytest.mark.parametrize(
    ("cls", "doc"),
    [
        (SearchRequest, "search.md"),
        (RankingOptions, "search.md"),
        (RelatedRequest, "related.md"),
    ],
)
def test_every_option_is_documented(cls: type, doc: str) -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / doc).read_text(encoding="utf-8")
    table = options_table(cls)
    assert table in text, f"docs/{doc} should carry this table of {cls.__name__}:\n\n{table}"
