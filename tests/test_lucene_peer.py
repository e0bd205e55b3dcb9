"""The Lucene peer (``benchmarks/peers/LucenePeer.java`` driven by ``LuceneEngine``) end to end on
the 268-article ANT fixture plus a few synthetic articles.

Skipped, with the reason, where Java, ``javac`` or Debian's Lucene jars are missing
(``apt-get install liblucene8-java default-jdk-headless``). Each Java call starts a JVM (about
half a second), so the searches are made once per session and shared by the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from newsearch.errors import ArticleError, ConfigError
from newsearch.evaluate.engines import Doc, EngineUnavailable, SearchOutput
from newsearch.evaluate.lucene import LuceneEngine, LucenePeerError

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"

# Made-up words, in no fixture article: one in a title only, one in a body only.
TITLE_WORD = "زنقلوبيا"
BODY_WORD = "برتقازلي"
SYNTHETIC = [
    Doc("SYN-title", f"{TITLE_WORD} تصل إلى المدينة", "تحدث السكان عن الطقس البارد هذا الأسبوع."),
    Doc("SYN-body", "أخبار المدينة اليوم", f"قال الخبراء إن {BODY_WORD} ظاهرة نادرة جدا."),
    Doc("SYN-both", f"{BODY_WORD} في العنوان", f"ويتكرر {BODY_WORD} في النص أيضا مع {TITLE_WORD}."),
]
STOPWORD_QUERIES = {"stop": "في من على إلى", "blank": "   ", "punct": "، ؟ ! ..."}


def _load_fixture() -> list[Doc]:
    docs = []
    with FIXTURE.open("rb") as f:
        for line in f:
            d = orjson.loads(line)
            docs.append(Doc(d["id"], d["title"], d["body"]))
    return docs


# C1-only JIT: the tests' JVMs live about a second, too short for the optimizing compiler.
FAST_START = ("-XX:TieredStopAtLevel=1",)


@pytest.fixture(scope="session")
def lucene_engine() -> LuceneEngine:
    try:
        return LuceneEngine(java_opts=FAST_START)  # compiles LucenePeer.java if out of date
    except EngineUnavailable as e:
        pytest.skip(f"Lucene peer unavailable: {e}")


@pytest.fixture(scope="session")
def corpus() -> list[Doc]:
    fixture = _load_fixture()
    text = " ".join(f"{d.title} {d.body}" for d in fixture)
    assert TITLE_WORD not in text and BODY_WORD not in text
    return fixture + SYNTHETIC


@pytest.fixture(scope="session")
def built(
    lucene_engine: LuceneEngine, corpus: list[Doc], tmp_path_factory: pytest.TempPathFactory
) -> tuple[LuceneEngine, Path, float]:
    workdir = tmp_path_factory.mktemp("lucene")
    seconds = lucene_engine.build(corpus, workdir)
    return lucene_engine, workdir, seconds


@pytest.fixture(scope="session")
def title_queries(corpus: list[Doc]) -> dict[str, str]:
    """Ten fixture titles of at least four words, spread over the file."""
    long_titles = [d for d in corpus[:268] if len(d.title.split()) >= 4]
    return {d.id: d.title for d in long_titles[:: max(1, len(long_titles) // 10)][:10]}


@pytest.fixture(scope="session")
def search(
    built: tuple[LuceneEngine, Path, float], title_queries: dict[str, str]
) -> Callable[..., SearchOutput]:
    """``search(fields, **params)``: one Java call per distinct setting, over every query the
    tests use (titles, the made-up words, stopword-only text), with k larger than the corpus."""
    engine, workdir, _ = built
    # most_fields goes through a second engine that opens the first one's index.
    most_fields = LuceneEngine(mode="most_fields", java_opts=FAST_START)
    most_fields.open(workdir)
    queries = {**title_queries, "title-word": TITLE_WORD, "body-word": BODY_WORD}
    queries.update(STOPWORD_QUERIES)
    cache: dict[tuple[object, ...], SearchOutput] = {}

    def run(fields: tuple[str, ...], **params: object) -> SearchOutput:
        key = (fields, *sorted(params.items()))
        if key not in cache:
            e = most_fields if params.pop("mode", None) == "most_fields" else engine
            cache[key] = e.search_all(queries, 500, list(fields), params=params)
        return cache[key]

    return run


def _ids(hits: list[tuple[str, float]]) -> list[str]:
    return [doc_id for doc_id, _ in hits]


def _score(hits: list[tuple[str, float]], doc_id: str) -> float:
    return dict(hits)[doc_id]


def test_build_reports_java_seconds(built: tuple[LuceneEngine, Path, float]) -> None:
    engine, workdir, seconds = built
    assert 0 < seconds < 60
    assert engine.last_build["docs"] == 268 + len(SYNTHETIC)
    assert engine.lucene_version.startswith("8.")
    assert (workdir / "index").is_dir() and (workdir / "docs.jsonl").is_file()


def test_titles_find_their_article(
    search: Callable[..., SearchOutput], title_queries: dict[str, str]
) -> None:
    out = search(("title", "body"))
    first = [qid for qid in title_queries if _ids(out.run[qid])[:1] == [qid]]
    assert len(first) >= 9, {q: _ids(out.run[q])[:3] for q in title_queries if q not in first}


def test_scores_descend(search: Callable[..., SearchOutput]) -> None:
    out = search(("title", "body"))
    for hits in out.run.values():
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_fields_restrict_the_search(search: Callable[..., SearchOutput]) -> None:
    title_only, body_only, both = search(("title",)), search(("body",)), search(("title", "body"))
    assert _ids(title_only.run["title-word"]) == ["SYN-title"]
    assert set(_ids(body_only.run["title-word"])) == {"SYN-both"}
    assert set(_ids(both.run["title-word"])) == {"SYN-title", "SYN-both"}
    assert _ids(title_only.run["body-word"]) == ["SYN-both"]
    assert set(_ids(body_only.run["body-word"])) == {"SYN-body", "SYN-both"}


def test_best_fields_is_max_most_fields_is_sum(search: Callable[..., SearchOutput]) -> None:
    best, most = search(("title", "body")), search(("title", "body"), mode="most_fields")
    title, body = search(("title",)), search(("body",))
    t = _score(title.run["body-word"], "SYN-both")
    b = _score(body.run["body-word"], "SYN-both")
    assert _score(best.run["body-word"], "SYN-both") == pytest.approx(max(t, b), rel=1e-5)
    assert _score(most.run["body-word"], "SYN-both") == pytest.approx(t + b, rel=1e-5)
    # A single-field match scores the same in both modes.
    assert _score(most.run["body-word"], "SYN-body") == pytest.approx(
        _score(best.run["body-word"], "SYN-body"), rel=1e-5
    )


def test_title_boost_multiplies_title_scores_only(search: Callable[..., SearchOutput]) -> None:
    title, body = search(("title",)), search(("body",))
    boosted = search(("title", "body"), title_boost=2.0)
    hits = boosted.run["title-word"]  # SYN-title matches in its title, SYN-both in its body
    assert _score(hits, "SYN-title") == pytest.approx(
        2.0 * _score(title.run["title-word"], "SYN-title"), rel=1e-5
    )
    assert _score(hits, "SYN-both") == pytest.approx(
        _score(body.run["title-word"], "SYN-both"), rel=1e-5
    )


def test_bm25_parameters_change_scores(search: Callable[..., SearchOutput]) -> None:
    default, flat = search(("body",)), search(("body",), k1=1.2, b=0.0)
    d, f = default.run["body-word"], flat.run["body-word"]
    assert set(_ids(d)) == set(_ids(f)) and dict(d) != pytest.approx(dict(f))


def test_every_query_has_a_latency(
    search: Callable[..., SearchOutput], title_queries: dict[str, str]
) -> None:
    out = search(("title", "body"))
    assert (
        set(out.seconds)
        == set(out.run)
        == {*title_queries, "title-word", "body-word"} | set(STOPWORD_QUERIES)
    )
    assert all(0 <= s < 5 for s in out.seconds.values())
    assert all(out.seconds[q] > 0 for q in title_queries)


def test_stopword_only_queries_return_nothing(search: Callable[..., SearchOutput]) -> None:
    out = search(("title", "body"))
    for qid in STOPWORD_QUERIES:
        assert out.run[qid] == []


def test_more_like_this(built: tuple[LuceneEngine, Path, float], corpus: list[Doc]) -> None:
    engine = built[0]
    ids = [d.id for d in corpus[:268:60]]
    out = engine.related_all(ids, 5)
    known = {d.id for d in corpus}
    assert set(out.run) == set(out.seconds) == set(ids)
    for doc_id in ids:
        related = _ids(out.run[doc_id])
        assert 0 < len(related) <= 5, doc_id
        assert doc_id not in related and set(related) <= known
    with pytest.raises(LucenePeerError, match="'no-such-doc' is not in"):
        engine.related_all(["no-such-doc"], 5)


def test_bad_settings_and_input(built: tuple[LuceneEngine, Path, float], tmp_path: Path) -> None:
    engine = built[0]
    with pytest.raises(ConfigError):
        LuceneEngine(mode="cross_fields")
    with pytest.raises(ConfigError):
        engine.search_all({"q": "x"}, 10, ["abstract"])
    with pytest.raises(ConfigError):
        engine.search_all({"q 1": "x"}, 10, ["body"])
    with pytest.raises(ArticleError):
        engine.build([Doc("a", "t", "b"), Doc("a", "t", "b")], tmp_path / "dup")
    with pytest.raises(LucenePeerError, match="build"):
        LuceneEngine().search_all({"q": "x"}, 10, ["body"])
    with pytest.raises(LucenePeerError, match="no Lucene index"):
        LuceneEngine().open(tmp_path)


# These need no Java: they check the messages of a machine without the peer's prerequisites.


def test_missing_jars_say_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_jdk = tmp_path / "jdk"
    (fake_jdk / "bin").mkdir(parents=True)
    for tool in ("java", "javac"):
        (fake_jdk / "bin" / tool).write_text("#!/bin/sh\nexit 1\n")
        (fake_jdk / "bin" / tool).chmod(0o755)
    monkeypatch.setenv("LUCENE_JARS_DIR", str(tmp_path))
    with pytest.raises(EngineUnavailable, match="apt-get install liblucene8-java"):
        LuceneEngine(java_home=fake_jdk)


def test_missing_jdk_and_source_are_reported(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="javac"):
        LuceneEngine(java_home=tmp_path)
    with pytest.raises(EngineUnavailable, match=r"no LucenePeer\.java"):
        LuceneEngine(peer_dir=tmp_path)
