"""The sharded index on a local Ray (loopback, 2 CPUs, started once for this module): the
fixture in 3 shards searches as one index (ids and scores), related news collapses copies
across shards, the build report adds up, and dead actors are visible then come back."""

from __future__ import annotations

import gzip
import os
import pickle
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

ray = pytest.importorskip("ray")

from newsearch.cluster import ClusterSearcher, RayRuntime, ShardedIndex, is_sharded, shard_of  # noqa: E402
from newsearch.cluster.fanout import FanOut  # noqa: E402
from newsearch.cluster.manifest import CLUSTER_MANIFEST  # noqa: E402
from newsearch.errors import (  # noqa: E402
    ArticleNotFoundError,
    ConfigError,
    IndexMismatchError,
    ShardError,
)
from newsearch.index import NewsIndex  # noqa: E402
from newsearch.request import RelatedRequest, SearchRequest  # noqa: E402
from newsearch.search import Searcher  # noqa: E402

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
SHARDS = 3


def _elsewhere(base: str, prefix: str) -> str:
    """An id routed to another shard than ``base``'s (copies must collapse across shards)."""
    n = 0
    while shard_of(f"{prefix}-{n}", SHARDS) == shard_of(base, SHARDS):
        n += 1
    return f"{prefix}-{n}"


A, B = ARTICLES[10], ARTICLES[20]
COPIES = [
    dict(A, id=_elsewhere(A["id"], "A-copy"), source="wire", title="عاجل: " + A["title"],
         body=A["body"] + "\nالمصدر: وكالات"),
    dict(B, id=_elsewhere(B["id"], "B-copy"), source="paper1", body=B["body"] + " (رويترز)"),
]  # fmt: skip
RECORDS = ARTICLES + COPIES


@pytest.fixture(scope="module")
def runtime() -> Iterator[RayRuntime]:
    rt = RayRuntime(num_cpus=2)
    yield rt
    rt.shutdown()


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    ix = NewsIndex.create(tmp_path_factory.mktemp("one") / "ix")
    ix.ingest(RECORDS, progress=False, workers=1)
    with ix.searcher() as s:
        yield s


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory, runtime: RayRuntime) -> ShardedIndex:
    ix = ShardedIndex.create(tmp_path_factory.mktemp("sharded") / "ix", shards=SHARDS)
    report = ix.ingest(RECORDS, batch_size=50, progress=False)
    assert (report.read, report.added, report.rejected) == (len(RECORDS), len(RECORDS), 0)
    return ix


@pytest.fixture(scope="module")
def cs(sharded: ShardedIndex) -> Iterator[ClusterSearcher]:
    with sharded.searcher(timeout=30) as s:
        yield s


def _same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    """Equal scores (1e-6 relative), and equal ids up to the order of tied scores."""
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-6)
    tied: dict[float, set[str]] = {}
    for i, s in want:
        tied.setdefault(round(s, 4), set()).add(i)
    for i, s in got:
        assert i in tied[round(s, 4)], (i, s)


# --- the sharded index itself ----------------------------------------------------------------


def test_manifest_routes_by_a_stable_hash_and_open_checks_it(
    sharded: ShardedIndex, tmp_path: Path
) -> None:
    m = orjson.loads((sharded.path / CLUSTER_MANIFEST).read_bytes())
    assert m["shards"] == SHARDS and m["routing"] == {
        "key": "id",
        "hash": "crc32",
        "encoding": "utf-8",
    }
    assert is_sharded(sharded.path) and not is_sharded(sharded.shard_path(0))
    assert [sharded.shard_path(i).name for i in range(SHARDS)] == [
        "shard-000",
        "shard-001",
        "shard-002",
    ]
    assert shard_of("bbc-001", 3) == 1  # crc32: the same in every process and on every machine
    counts = [len(NewsIndex.open(sharded.shard_path(i))) for i in range(SHARDS)]
    assert sum(counts) == len(RECORDS) and all(c > 50 for c in counts)
    for rec in RECORDS[:20]:  # each article is in the shard its id routes to
        assert rec["id"] in NewsIndex.open(sharded.shard_path(sharded.shard_of(rec["id"])))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / CLUSTER_MANIFEST).write_bytes(orjson.dumps(m | {"schema_version": -1}))
    with pytest.raises(IndexMismatchError, match="schema"):
        ShardedIndex.open(bad)
    (bad / CLUSTER_MANIFEST).write_bytes(orjson.dumps(m | {"routing": {"hash": "python"}}))
    with pytest.raises(IndexMismatchError, match="routes"):
        ShardedIndex.open(bad)
    with pytest.raises(ConfigError, match="not empty"):
        ShardedIndex.create(sharded.path, shards=2)


# --- search: the same results as one index ---------------------------------------------------

QUERIES = [
    "كوريا الشمالية",
    "الرئيس الأمريكي ترامب",
    '"القمة التاريخية" بيونغ يانغ',
    "أسعار النفط -السعودية",
    "كرة القدم كأس العالم",
    "بيونج يانج",  # name variants from every shard's vocabulary
    "الحكومه المصريه",
]


@pytest.mark.parametrize("scorer", ["bm25f", "bm25"])
def test_search_gives_the_ids_and_scores_of_one_index(
    whole: Searcher, cs: ClusterSearcher, scorer: str
) -> None:
    for text in QUERIES:
        request = SearchRequest(
            text, limit=10, facets=("source", "category"), date_histogram="month"
        )
        want = whole.search(request, scorer=scorer)
        got = cs.search(request, scorer=scorer)
        assert got.total == want.total and got.total > 0, text
        _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
        # Feedback (auto: these are short queries) read the first results of every shard.
        assert [e.to_dict() for e in got.expansions] == [e.to_dict() for e in want.expansions]
        assert any(e.kind == "feedback" for e in want.expansions), text
        assert [h.rank for h in got] == list(range(1, len(got) + 1))
        assert got.facets == want.facets
        assert got.shards == {"total": 3, "successful": 3, "failed": 0}
        assert got.to_dict()["shards"]["successful"] == 3 and "shards" not in want.to_dict()
        top = got.hits[0]
        assert top.title_html == want.hits[0].title_html or top.id != want.hits[0].id


def test_paging_sorting_filters_and_suggestions_as_on_one_index(
    whole: Searcher, cs: ClusterSearcher
) -> None:
    cases: list[dict[str, Any]] = [
        {"query": "الرئيس", "page": 3, "limit": 7},
        {"query": "الرئيس", "sort": "newest", "limit": 15},
        {"query": "الرئيس", "sort": "oldest", "page": 2},
        {"query": "الرئيس", "sort": "recency"},
        {"query": "", "sources": ("BBC",), "limit": 20},  # filters only: a listing, newest first
        {"query": "النفط", "categories": ("economy",)},
        {"query": "كوريه الشماليه"},
        {"query": "تحمية"},  # nothing: a suggestion, or the fuzzy fallback
    ]
    for case in cases:
        request = SearchRequest(**case)
        want, got = whole.run(request), cs.run(request)
        assert (got.total, got.sort, got.suggestion, got.fuzzy_used) == (
            want.total, want.sort, want.suggestion, want.fuzzy_used,
        ), case  # fmt: skip
        if request.sort == "relevance":
            _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
        elif request.sort == "recency":  # the blend over every shard's best and newest
            assert [h.id for h in got] == [h.id for h in want], case
        else:  # by date: the same dates in the same order (articles of one date: any order)
            assert [h.published for h in got] == [h.published for h in want], case
            by_date: dict[Any, set[str]] = {}
            for h in want:
                by_date.setdefault(h.published, set()).add(h.id)
            assert all(h.id in by_date[h.published] for h in got), case
        assert len(got) == len(want) and [h.rank for h in got] == [h.rank for h in want]
    assert cs.suggest("الحكومةالمصرية") == whole.suggest("الحكومةالمصرية")


def test_get_duplicates_and_errors_as_on_one_index(whole: Searcher, cs: ClusterSearcher) -> None:
    assert cs.get(A["id"]) == whole.get(A["id"]) and cs.get("no-such-id") is None
    want = [(c.id, c.similarity) for c in whole.duplicates(B["id"], min_similarity=0.5)]
    got = [(c.id, c.similarity) for c in cs.duplicates(B["id"], min_similarity=0.5)]
    assert got == want and got  # the copy lives in another shard
    with pytest.raises(ArticleNotFoundError):
        cs.duplicates("no-such-id")
    with pytest.raises(ConfigError, match="facet"):
        cs.search("النفط", facets=("colour",))
    with pytest.raises(ConfigError):
        cs.search("النفط", no_such_option=1)
    with pytest.raises(ConfigError):
        cs.search("النفط", sort="sideways")


def test_advanced_mode_scores_with_every_shards_statistics(
    whole: Searcher, cs: ClusterSearcher
) -> None:
    cases: list[dict[str, Any]] = [
        {"query": "كوريا AND الشمالية"},
        {"query": "title:النفط OR body:السعودية", "limit": 20},
        {"query": "الرئيس NOT ترامب", "page": 2},
        {"query": "كور*", "sort": "newest"},
        {"query": "الرئيس", "sort": "recency", "facets": ("source",)},
        {"query": "النفط", "categories": ("economy",)},
    ]
    for case in cases:
        request = SearchRequest(mode="advanced", **case)
        want, got = whole.run(request), cs.run(request)
        assert got.total == want.total and got.total > 0, case
        assert got.facets == want.facets, case
        assert [p.code for p in got.query.problems] == [p.code for p in want.query.problems]
        if request.sort in ("relevance", "recency"):
            _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
        else:
            assert [h.published for h in got] == [h.published for h in want], case
        assert [h.rank for h in got] == [h.rank for h in want]
        assert got.shards == {"total": 3, "successful": 3, "failed": 0}


def test_duplicate_groups_span_shards_as_on_one_index(whole: Searcher, cs: ClusterSearcher) -> None:
    want = whole.duplicate_groups(min_similarity=0.5)
    got = cs.duplicate_groups(min_similarity=0.5)
    assert [sorted(g.ids) for g in got] == [sorted(g.ids) for g in want] and got
    # The first published represents its group (of copies published at once: one index
    # takes the first indexed, a sharded one the first id).
    assert [g.representative.published for g in got] == [g.representative.published for g in want]
    for g, w in zip(got, want, strict=True):
        if g.representative.id == w.representative.id:
            assert [(m.id, round(m.similarity, 6)) for m in g.members] == [
                (m.id, round(m.similarity, 6)) for m in w.members
            ]
    # The copies of A and B were routed to other shards than A and B: their groups span shards.
    spanning = [g for g in got if A["id"] in g.ids or B["id"] in g.ids]
    assert len(spanning) == 2


# --- related news ----------------------------------------------------------------------------


def test_related_news_and_copies_across_shards_as_on_one_index(
    whole: Searcher, cs: ClusterSearcher
) -> None:
    for article in [A["id"], B["id"], *(a["id"] for a in ARTICLES[:40:8])]:
        request = RelatedRequest(article, k=10)  # collapse on
        want, got = whole.related(request), cs.related(request)
        assert want and got.total == want.total, article
        _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
        assert got.key_terms == want.key_terms
        assert {c.id for c in got.also_published_by} == {c.id for c in want.also_published_by}
        for g, w in zip(got, want, strict=True):
            assert {c.id for c in g.also_published_by} == {c.id for c in w.also_published_by}
    # The article's copy is on another shard, and is still listed under it.
    assert [c.id for c in cs.related(A["id"]).also_published_by] == [COPIES[0]["id"]]
    pasted = A["title"] + "\n" + A["body"]
    want, got = whole.related(pasted, k=5), cs.related(pasted, k=5)
    _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
    assert {c.id for c in got.also_published_by} == {c.id for c in want.also_published_by}
    with pytest.raises(ArticleNotFoundError):
        cs.related("no-such-id")


@pytest.fixture
def rounds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The method of each round of calls to the shards, as they are made."""
    made: list[str] = []
    run = FanOut._run

    def counted(self: FanOut, blobs: dict[int, bytes]) -> dict[int, Any]:
        made.append(pickle.loads(next(iter(blobs.values())))[0])
        return run(self, blobs)

    monkeypatch.setattr(FanOut, "_run", counted)
    return made


def test_related_news_for_an_article_asked_before_is_one_round(
    whole: Searcher, cs: ClusterSearcher, rounds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One call to every shard: candidates, the article's copies and the hits each shard
    guesses will be shown; a second round (``present``) only for what the guesses missed."""
    articles = [A["id"], B["id"], *(a["id"] for a in ARTICLES[:40:8])]
    for margin in (cs.related_margin, -10):  # -10: no shard presents, every hit is fetched
        monkeypatch.setattr(cs, "related_margin", margin)
        for article in articles:
            want = whole.related(article, k=10)
            cs.related(article, k=10)
            rounds.clear()
            got = cs.related(article, k=10)
            expected = ["related_round"] if margin >= 0 else ["related_round", "present"]
            assert rounds == expected, (article, margin)
            _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
            assert [h.title for h in got] == [h.title for h in want]
            for g, w in zip(got, want, strict=True):
                assert [c.to_dict() for c in g.also_published_by] == [
                    c.to_dict() for c in w.also_published_by
                ]
            assert [c.to_dict() for c in got.also_published_by] == [
                c.to_dict() for c in want.also_published_by
            ]


def test_one_shard_answers_every_request_in_one_round(
    whole: Searcher, runtime: RayRuntime, tmp_path: Path, rounds: list[str]
) -> None:
    """A cluster of one shard merges the phases: the shard's own searcher (one index) takes
    the whole request, first run or not."""
    ix = ShardedIndex.create(tmp_path / "ix", shards=1)
    ix.ingest(RECORDS, progress=False)
    with ix.searcher(timeout=30) as s:
        for request in [
            SearchRequest(QUERIES[0], facets=("source",), date_histogram="month"),
            SearchRequest(QUERIES[5], page=2, limit=5),
            SearchRequest("كور*", mode="advanced", sort="newest"),
        ]:
            rounds.clear()
            got, want = s.run(request), whole.run(request)
            assert rounds == ["run_whole"]
            _same_ranking([(h.id, h.score) for h in got], [(h.id, h.score) for h in want])
            assert (got.total, got.facets, [h.rank for h in got]) == (
                want.total, want.facets, [h.rank for h in want],
            )  # fmt: skip
            assert got.shards == {"total": 1, "successful": 1, "failed": 0}
        rounds.clear()
        related, want_related = s.related(A["id"]), whole.related(A["id"])
        assert rounds == ["related_whole"] and related.shards == got.shards
        _same_ranking([(h.id, h.score) for h in related], [(h.id, h.score) for h in want_related])
        assert [c.id for c in related.also_published_by] == [COPIES[0]["id"]]
        with pytest.raises(ArticleNotFoundError):
            s.related("no-such-id")
        with pytest.raises(ConfigError, match="facet"):
            s.search("النفط", facets=("colour",))


# --- failures --------------------------------------------------------------------------------


def test_a_dead_searcher_actor_is_flagged_or_raised_then_comes_back(cs: ClusterSearcher) -> None:
    whole_total = cs.search("الرئيس").total

    def killed_then(search: Callable[[], Any]) -> Any:
        """``search`` right after a SIGKILL of shard 1's actor; kill again when Ray has already
        restarted it before the query arrived (a race the test must not lose)."""
        for _ in range(5):
            os.kill(ray.get(cs.replicas[1][0].pid.remote()), signal.SIGKILL)
            time.sleep(0.05)
            try:
                res = search()
            except ShardError as e:
                return e
            if res.shards["failed"]:
                return res
        raise AssertionError("Ray restarted the actor before every one of five queries")

    for partial in (True, False):
        if partial:
            res = killed_then(lambda: cs.search("الرئيس", allow_partial=True))
            assert res.shards == {"total": 3, "successful": 2, "failed": 1}
            assert 0 < res.total < whole_total
        else:
            err = killed_then(lambda: cs.search("الرئيس"))
            assert isinstance(err, ShardError)
            assert err.shards["failed"] == 1 and "shard 1" in str(err)
        deadline = time.monotonic() + 60  # Ray restarts the actor: the next query is whole
        while True:
            try:
                res = cs.search("الرئيس")
                break
            except ShardError:
                assert time.monotonic() < deadline
                time.sleep(0.5)
        assert res.total == whole_total and res.shards["failed"] == 0


def test_a_shard_that_does_not_answer_in_time_is_a_failure(sharded: ShardedIndex) -> None:
    with sharded.searcher(timeout=30) as s:
        s.search("الرئيس")  # the actors are up
        s.timeout = 0.001
        with pytest.raises(ShardError, match="did not answer"):
            s.search("الرئيس الأمريكي")
        res = s.search("الرئيس الأمريكي ترامب", allow_partial=True)
        assert res.shards is not None and res.shards["failed"] >= 1


# --- the build -------------------------------------------------------------------------------


def test_ingest_report_is_exact(runtime: RayRuntime, tmp_path: Path) -> None:
    lines = [orjson.dumps(a) for a in ARTICLES[:30]]
    bad = [b"{not json", orjson.dumps({"id": "x-1", "title": ""}), lines[3]]  # 3 rejections
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b"\n".join(lines[:20] + bad[:2]) + b"\n")
    packed = tmp_path / "b.jsonl.gz"
    with gzip.open(packed, "wb") as f:
        f.write(b"\n".join([*lines[20:], bad[2]]) + b"\n")
    ix = ShardedIndex.create(tmp_path / "ix", shards=2)
    report = ix.ingest([plain, packed], batch_size=4, progress=False)
    assert (report.read, report.added, report.updated, report.unchanged, report.rejected) == (
        33, 30, 0, 0, 3,
    )  # fmt: skip
    where = [(Path(r.file).name, r.line) for r in report.rejections]
    assert where == [("a.jsonl", 21), ("a.jsonl", 22), ("b.jsonl.gz", 11)]
    assert "duplicate id" in report.rejections[2].reason
    changed = [dict(ARTICLES[0], title=ARTICLES[0]["title"] + " (محدث)")]
    again = ix.ingest([plain, packed, *[orjson.dumps(a) for a in changed]], progress=False)
    assert (again.read, again.updated, again.unchanged, again.rejected) == (34, 0, 30, 4)
    again = ix.ingest(changed, progress=False)
    assert (again.read, again.updated) == (1, 1)
    assert sum(len(NewsIndex.open(ix.shard_path(i))) for i in range(2)) == 30
    # One article at a time reaches the shard its id routes to.
    assert ix.upsert(dict(ARTICLES[40], id="new-1")) == "added"
    assert "new-1" in NewsIndex.open(ix.shard_path(ix.shard_of("new-1")))
    assert ix.delete(ARTICLES[0]["id"]) and not ix.delete("no-such-id")
    assert sum(len(NewsIndex.open(ix.shard_path(i))) for i in range(2)) == 30


def test_a_writer_killed_mid_build_resumes_and_a_rerun_adds_up(
    runtime: RayRuntime, tmp_path: Path
) -> None:
    ix = ShardedIndex.create(tmp_path / "ix", shards=SHARDS)
    killed: list[int] = []

    def kill_once(shard: int, writer: Any) -> None:
        if not killed and shard == 0:
            killed.append(ray.get(writer.pid.remote()))
            os.kill(killed[0], signal.SIGKILL)  # its next batch is in flight

    report = ix.ingest(ARTICLES, batch_size=30, progress=False, on_batch=kill_once)
    assert killed
    assert (report.read, report.added, report.unchanged, report.rejected) == (268, 268, 0, 0)
    ids = []
    for i in range(SHARDS):
        with NewsIndex.open(ix.shard_path(i)).reader() as r:
            ids += [f["id"] for f in r.all_stored_fields()]
    assert sorted(ids) == sorted(a["id"] for a in ARTICLES)  # none lost, none twice
    rerun = ix.ingest([FIXTURE], progress=False)
    assert (rerun.read, rerun.unchanged, rerun.added) == (268, 268, 0)


def test_info_adds_up_the_shards_as_one_index_reports(
    sharded: ShardedIndex, whole: Searcher
) -> None:
    info, one = sharded.info(), whole.index.info()
    assert info["documents"] == one.documents == sum(s["documents"] for s in info["per_shard"])
    assert info["sources"] == one.sources and info["categories"] == one.categories
    assert one.first_published and one.last_published
    assert info["first_published"] == one.first_published.isoformat()
    assert info["last_published"] == one.last_published.isoformat()


# --- the command line ------------------------------------------------------------------------


def test_cli_builds_and_searches_a_sharded_index(tmp_path: Path) -> None:
    import subprocess
    import sys

    def cli(*argv: str) -> str:
        env = dict(os.environ, RAY_ADDRESS=ray.get_runtime_context().gcs_address)
        done = subprocess.run(
            [sys.executable, "-m", "newsearch", *argv], capture_output=True, text=True,
            env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    ix = str(tmp_path / "ix")
    out = cli("index", ix, str(FIXTURE), "--shards", "2", "--quiet")
    assert "268 articles in 2 shards" in out
    shown = cli("info", ix)
    assert "shards:     2" in shown and "published:  2013-07-13 .. 2018-" in shown
    hits = orjson.loads(cli("search", ix, "كوريا الشمالية", "--json"))
    assert hits["total"] > 0 and hits["shards"] == {"total": 2, "successful": 2, "failed": 0}


# --- serving ---------------------------------------------------------------------------------


def test_serve_a_sharded_index_with_the_same_http_api(
    sharded: ShardedIndex, whole: Searcher, tmp_path: Path
) -> None:
    import shutil

    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from newsearch.web import create_app

    path = tmp_path / "ix"  # a copy: the writes below leave the module's index alone
    shutil.copytree(sharded.path, path)
    auth = {"Authorization": "Bearer t0ken"}
    with TestClient(create_app(path, ingest_token="t0ken", refresh_interval=0)) as c:
        body = c.get("/search", params={"q": "كوريا الشمالية", "facets": "source"}).json()
        want = whole.search("كوريا الشمالية", facets=("source",))
        assert body["total"] == want.total and body["facets"] == want.facets
        _same_ranking(
            [(h["id"], h["score"]) for h in body["hits"]], [(h.id, h.score) for h in want]
        )
        assert body["shards"] == {"total": 3, "successful": 3, "failed": 0}
        new = dict(ARTICLES[5], id="web-new-1", title="مقال جديد عن بيونغ يانغ")
        report = c.post("/articles", json=[new, {"id": "bad"}], headers=auth).json()
        assert (report["added"], report["rejected"]) == (1, 1)
        assert report["rejections"][0]["line"] == 2  # its position in the body
        assert c.get("/articles/web-new-1").json()["title"] == new["title"]
        hits = c.get("/search", params={"q": "مقال جديد عن بيونغ يانغ"}).json()["hits"]
        assert hits[0]["id"] == "web-new-1"  # searchable when the response is sent
        related = c.get(f"/articles/{A['id']}/related").json()
        assert [x["id"] for x in related["also_published_by"]] == [COPIES[0]["id"]]
        assert c.get(f"/articles/{B['id']}/duplicates").json()["duplicates"]
        assert c.get("/health").json()["articles"] == len(RECORDS) + 1
        assert c.delete("/articles/web-new-1", headers=auth).status_code == 200
        assert c.get("/articles/web-new-1").status_code == 404
        assert c.get("/articles/no-such-id/related").status_code == 404
        assert c.get("/search", params={"q": "x", "sort": "sideways"}).status_code == 400
