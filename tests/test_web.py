"""The web app: the API on the bundled fixture, its limits and errors, the security model,
refreshes after commits (same process, other index objects, other worker processes), the
search page's delivery, and ``newsearch serve``. The page in a real browser is in
test_web_browser.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from newsearch.index import NewsIndex
from newsearch.request import RankingOptions, RelatedRequest
from newsearch.results import RelatedResults
from newsearch.search import Searcher
from newsearch.web import Limits, LiveSearcher, app_from_env, create_app

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KNOWN = ARTICLES[0]


@pytest.fixture(scope="module")
def base_index(fixture_index_dir: Path) -> Path:
    return fixture_index_dir


@pytest.fixture(scope="module")
def client(base_index: Path) -> Iterator[TestClient]:
    """A read-only use of the index: tests that write use ``writable``."""
    with TestClient(create_app(base_index, ingest_token=TOKEN, refresh_interval=0)) as c:
        yield c


@pytest.fixture
def writable(base_index: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "ix"
    shutil.copytree(base_index, dst)
    return dst


def app_client(path: Path | NewsIndex, **kwargs: Any) -> TestClient:
    kwargs.setdefault("warm", False)
    kwargs.setdefault("refresh_interval", 0)
    return TestClient(create_app(path, **kwargs))


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) >= {"error", "message"}, body
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert body["error"] == code, body
    return body


# --- reading --------------------------------------------------------------------------------


def test_search_returns_ranked_highlighted_json(client: TestClient) -> None:
    r = client.get("/search", params={"q": "كوريا الشمالية", "size": 5})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff"
    body = r.json()
    assert body["total"] >= 5 and len(body["hits"]) == 5
    assert [h["rank"] for h in body["hits"]] == [1, 2, 3, 4, 5]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert any("<mark>" in s for h in body["hits"] for s in h["snippets"])
    assert "<mark>" in body["hits"][0]["title_html"]
    assert set(body["hits"][0]) >= {"id", "title", "url", "source", "category", "published"}


def test_known_title_finds_its_article(client: TestClient) -> None:
    a = next(a for a in ARTICLES if len(a["title"].split()) >= 6)
    assert client.get("/search", params={"q": a["title"]}).json()["hits"][0]["id"] == a["id"]


def test_search_filters_sort_facets_and_paging(client: TestClient) -> None:
    q = {"q": "كوريا", "facets": "true"}
    everything = client.get("/search", params=q).json()
    assert set(everything["facets"]) == {"source", "category"}
    assert sum(everything["facets"]["source"].values()) == everything["total"]
    r = client.get("/search", params={**q, "source": ["BBC", "CNN"]}).json()
    assert r["total"] == everything["facets"]["source"].get("BBC", 0) + everything["facets"][
        "source"
    ].get("CNN", 0)
    assert {h["source"] for h in r["hits"]} <= {"BBC", "CNN"}
    sport = client.get("/search", params={"q": "مباراة", "category": "sport"}).json()
    assert sport["total"] and {h["category"] for h in sport["hits"]} == {"sport"}
    dated = client.get("/search", params={"q": "كوريا", "from": "2018-05-01", "to": "2018-05-31"})
    assert all("2018-05" in h["published"] for h in dated.json()["hits"])
    newest = client.get("/search", params={"q": "كوريا", "sort": "newest", "size": 20}).json()
    dates = [h["published"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True)
    page1 = client.get("/search", params={"q": "كوريا", "size": 3}).json()
    page2 = client.get("/search", params={"q": "كوريا", "size": 3, "page": 2}).json()
    assert page2["page"] == 2 and [h["rank"] for h in page2["hits"]] == [4, 5, 6]
    assert not {h["id"] for h in page1["hits"]} & {h["id"] for h in page2["hits"]}
    hist = client.get("/search", params={"q": "كوريا", "histogram": "month"}).json()
    assert sum(hist["facets"]["published"].values()) <= hist["total"]


def test_empty_query_finds_nothing_and_filters_alone_list_newest(client: TestClient) -> None:
    assert client.get("/search").json()["total"] == 0
    listed = client.get("/search", params={"source": "BBC"}).json()
    assert listed["total"] == sum(a["source"] == "BBC" for a in ARTICLES)
    assert listed["sort"] == "newest"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"size": "ten"}, "size"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page": 101, "size": 10}, "page"),  # deeper than 1,000 results
        ({"sort": "random"}, "sort"),
        ({"facets": "maybe"}, "facets"),
        ({"histogram": "year"}, "histogram"),
        ({"q": "ا" * 513}, "q"),
        ({"from": "yesterday"}, None),
        ({"to": "2018-13-45"}, None),
        ({"source": [f"s{i}" for i in range(21)]}, "source"),
        ({"category": "c" * 201}, "category"),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else str(v),
)
def test_bad_search_parameters_get_400(
    client: TestClient, params: dict[str, Any], param: str | None
) -> None:
    body = assert_error(client.get("/search", params={"q": "كوريا", **params}), 400)
    assert body["error"] == "bad-parameter"
    if param is not None:
        assert body["message"].startswith(f"{param}:"), body
        assert body["details"][0]["param"] == param


def test_other_bad_requests_get_400(client: TestClient) -> None:
    assert_error(client.get("/suggest"), 400, "bad-parameter")
    assert_error(client.get("/suggest", params={"q": "x" * 600}), 400, "bad-parameter")
    assert_error(client.get(f"/articles/{KNOWN['id']}/related", params={"k": 0}), 400)
    assert_error(client.get(f"/articles/{KNOWN['id']}/related", params={"k": 51}), 400)
    assert_error(client.get(f"/articles/{KNOWN['id']}/related", params={"within_days": -1}), 400)


def test_unknown_routes_and_methods_are_json_errors(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not-found")
    assert_error(client.put("/search"), 405, "method-not-allowed")


def test_get_article_and_unknown_id(client: TestClient) -> None:
    r = client.get(f"/articles/{KNOWN['id']}")
    assert r.status_code == 200
    a = r.json()
    assert (a["id"], a["title"], a["source"], a["url"]) == (
        KNOWN["id"], KNOWN["title"], KNOWN["source"], KNOWN["url"]
    )  # fmt: skip
    assert a["body"] and a["published"].startswith(KNOWN["published"][:10])
    assert_error(client.get("/articles/no-such-article"), 404, "not-found")
    assert_error(client.get("/articles/%20"), 404, "not-found")


def test_related_and_duplicates_of_unknown_id_are_404(client: TestClient) -> None:
    assert_error(client.get("/articles/no-such-article/related"), 404, "not-found")
    assert_error(client.get("/articles/no-such-article/duplicates"), 404, "not-found")


class _FakeCopy:
    def __init__(self, source: str) -> None:
        self.source = source

    def to_dict(self) -> dict[str, Any]:
        return {"id": f"copy-{self.source}", "source": self.source, "title": "نسخة"}


def test_related_and_duplicates_routes_pass_their_parameters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The routes' own work (parameters, 404 first, JSON of Results and copies), checked
    against a stand-in; the real thing is tested below."""
    calls: list[tuple[Any, ...]] = []

    def related(self: Searcher, request: RelatedRequest, **kwargs: Any) -> Any:
        calls.append((request, kwargs))
        results = self.search("كوريا", limit=request.k)
        copies = [_FakeCopy("CNN")]
        return RelatedResults(str(request.article), results.hits, 2, 1.0, [], copies)  # type: ignore[arg-type]

    def duplicates(self: Searcher, article_id: str) -> list[_FakeCopy]:
        calls.append((article_id,))
        return [_FakeCopy("BBC"), _FakeCopy("CNN")]

    monkeypatch.setattr(Searcher, "related", related, raising=False)
    monkeypatch.setattr(Searcher, "duplicates", duplicates, raising=False)
    params = {"k": 2, "within_days": 3, "source": ["BBC", "CNN"], "category": "sport"}
    body = client.get(f"/articles/{KNOWN['id']}/related", params=params).json()
    request, kwargs = calls.pop()
    assert request == RelatedRequest(
        article=KNOWN["id"], k=2, within_days=3.0, sources=("BBC", "CNN"), categories=("sport",)
    )
    assert kwargs["options"] == RankingOptions()  # the server's options, none overridden
    assert len(body["hits"]) == 2 and body["also_published_by"][0]["source"] == "CNN"
    client.get(f"/articles/{KNOWN['id']}/related", params={"k1": 1.5, "weight": "title:3"})
    request, kwargs = calls.pop()
    assert request == RelatedRequest(article=KNOWN["id"])  # every default
    assert kwargs["options"] == RankingOptions(k1=1.5, weights={"title": 3.0})
    body = client.get(f"/articles/{KNOWN['id']}/duplicates").json()
    assert calls.pop() == (KNOWN["id"],)
    assert body == {
        "id": KNOWN["id"],
        "duplicates": [_FakeCopy("BBC").to_dict(), _FakeCopy("CNN").to_dict()],
    }
    assert_error(client.get("/articles/no-such-article/related"), 404)
    assert not calls  # an unknown id never reaches related()


def test_related_route(client: TestClient) -> None:
    r = client.get(f"/articles/{KNOWN['id']}/related", params={"k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 < len(body["hits"]) <= 3
    assert KNOWN["id"] not in {h["id"] for h in body["hits"]}
    assert isinstance(body["also_published_by"], list)
    assert all("also_published_by" in h for h in body["hits"])
    bbc = client.get(f"/articles/{KNOWN['id']}/related", params={"source": "BBC"}).json()
    assert {h["source"] for h in bbc["hits"]} <= {"BBC"}


def test_duplicates_route(client: TestClient) -> None:
    r = client.get(f"/articles/{KNOWN['id']}/duplicates")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == KNOWN["id"]
    assert isinstance(body["duplicates"], list)
    assert all(isinstance(c, dict) for c in body["duplicates"])


def test_suggest(client: TestClient) -> None:
    body = client.get("/suggest", params={"q": "الحكومةالمصرية"}).json()
    assert body == {"query": "الحكومةالمصرية", "suggestion": "الحكومه المصريه"}
    assert client.get("/suggest", params={"q": "الحكومة"}).json()["suggestion"] is None


def test_health(client: TestClient) -> None:
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["articles"] == len(ARTICLES)
    assert h["writes"] is True and h["generation"] >= 1 and h["worker"] == os.getpid()
    assert client.head("/health").status_code == 200
    # A liveness probe does not wait for the searcher: it answers while a search holds it.
    live = client.app.state.newsearch.live  # type: ignore[attr-defined]
    with live.searcher():
        assert client.get("/health").json()["status"] == "ok"


def test_openapi_describes_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= {
        "/search",
        "/suggest",
        "/articles",
        "/articles/{article_id}",
        "/articles/{article_id}/related",
        "/articles/{article_id}/duplicates",
        "/health",
    }
    assert set(paths["/articles/{article_id}"]) == {"get", "delete"}
    params = {p["name"] for p in paths["/search"]["get"]["parameters"]}
    # Every option of the request objects (tests/test_surfaces.py checks defaults too).
    assert params >= {
        "q", "source", "category", "from", "to", "sort", "page", "size", "facets", "histogram",
        "proximity", "variants", "k1", "b", "weight", "half_life_days",
    }  # fmt: skip
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert "application/x-ndjson" in paths["/articles"]["post"]["requestBody"]["content"]
    assert "SearchOut" in spec["components"]["schemas"]


def test_internal_errors_are_json_without_details(
    base_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(
        create_app(base_index, refresh_interval=0, warm=False), raise_server_exceptions=False
    ) as c:
        monkeypatch.setattr(Searcher, "run", boom)
        body = assert_error(c.get("/search", params={"q": "x"}), 500, "internal")
        assert "secret" not in body["message"]


# --- writing --------------------------------------------------------------------------------


def test_writes_are_disabled_without_a_token(writable: Path) -> None:
    for token in (None, ""):
        with app_client(writable, ingest_token=token) as c:
            assert_error(c.post("/articles", json={"id": "x", "title": "t"}), 403)
            assert_error(c.delete(f"/articles/{KNOWN['id']}", headers=AUTH), 403)
            assert c.get("/health").json()["writes"] is False
    assert KNOWN["id"] in NewsIndex.open(writable)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer ضريبة".encode()},
    ],
    ids=["none", "wrong", "longer", "basic", "no-scheme", "non-ascii"],
)
def test_writes_need_the_right_token(writable: Path, headers: dict[str, Any]) -> None:
    with app_client(writable, ingest_token=TOKEN) as c:
        r = c.post("/articles", json={"id": "x", "title": "t"}, headers=headers)
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
        assert_error(c.delete(f"/articles/{KNOWN['id']}", headers=headers), 401)
    ix = NewsIndex.open(writable)
    assert "x" not in ix and KNOWN["id"] in ix


def test_post_upserts_json_and_json_lines_and_reports(writable: Path) -> None:
    new = {"id": "web-1", "title": "بركان يثور في جزيرة نائية", "body": "ثار البركان فجرا."}
    with app_client(writable, ingest_token=TOKEN) as c:
        r = c.post("/articles", json=new, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["added"] == 1 and r.json()["commits"] >= 1
        # Visible to this app's next request: the write refreshed its searcher.
        hits = c.get("/search", params={"q": "بركان"}).json()["hits"]
        assert [h["id"] for h in hits] == ["web-1"]
        assert c.post("/articles", json=[new], headers=AUTH).json()["unchanged"] == 1
        lines = (
            orjson.dumps({**new, "title": "بركان يثور من جديد"})
            + b"\n\n"
            + b"{broken\n"
            + orjson.dumps({"id": "web-2", "title": "زلزال"})
            + b"\n"
        )
        r = c.post(
            "/articles", content=lines, headers={**AUTH, "Content-Type": "application/x-ndjson"}
        )
        report = r.json()
        assert (report["read"], report["added"], report["updated"], report["rejected"]) == (
            3, 1, 1, 1
        )  # fmt: skip
        assert report["rejections"][0]["file"] == "<body>"
        assert report["rejections"][0]["line"] == 3  # the body's own line number
        assert "malformed JSON" in report["rejections"][0]["reason"]
        assert c.get("/articles/web-1").json()["title"] == "بركان يثور من جديد"
        arr = c.post("/articles", json=[{"id": "web-3", "title": "ت"}, 7, {"id": ""}], headers=AUTH)
        assert [(x["line"], x["reason"][:20]) for x in arr.json()["rejections"]] == [
            (2, "expected a JSON obje"),
            (3, "id: empty"),
        ]
    ix = NewsIndex.open(writable)
    assert all(i in ix for i in ("web-1", "web-2", "web-3"))


def test_post_rejects_bad_bodies(writable: Path) -> None:
    with app_client(writable, ingest_token=TOKEN) as c:
        json_type = {**AUTH, "Content-Type": "application/json"}
        assert_error(c.post("/articles", content=b"{not json", headers=json_type), 400, "bad-body")
        assert_error(c.post("/articles", content=b"[]", headers=json_type), 400, "bad-body")
        assert_error(c.post("/articles", content=b"", headers=json_type), 400, "bad-body")
        form = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}
        assert_error(c.post("/articles", content=b"id=1", headers=form), 415)
        assert_error(c.post("/articles", content=b"{}", headers=AUTH), 415)


def test_request_bodies_over_the_limit_get_413(writable: Path) -> None:
    limits = Limits(max_body_bytes=1000)
    big = orjson.dumps({"id": "big", "title": "كبير", "body": "ا" * 2000})
    with app_client(writable, ingest_token=TOKEN, limits=limits) as c:
        headers = {**AUTH, "Content-Type": "application/json"}
        assert_error(c.post("/articles", content=big, headers=headers), 413, "body-too-large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            for i in range(0, len(big), 100):
                yield big[i : i + 100]

        assert_error(c.post("/articles", content=chunks(), headers=headers), 413)
        small = orjson.dumps({"id": "small", "title": "صغير"})
        assert c.post("/articles", content=small, headers=headers).json()["added"] == 1
    assert "big" not in NewsIndex.open(writable)


def test_delete_article(writable: Path) -> None:
    with app_client(writable, ingest_token=TOKEN) as c:
        r = c.delete(f"/articles/{KNOWN['id']}", headers=AUTH)
        assert r.status_code == 200 and r.json() == {"deleted": KNOWN["id"]}
        assert_error(c.get(f"/articles/{KNOWN['id']}"), 404)
        assert KNOWN["id"] not in {
            h["id"] for h in c.get("/search", params={"q": KNOWN["title"]}).json()["hits"]
        }
        assert_error(c.delete(f"/articles/{KNOWN['id']}", headers=AUTH), 404, "not-found")
    assert KNOWN["id"] not in NewsIndex.open(writable)


def test_writes_get_503_while_another_writer_holds_the_lock(writable: Path) -> None:
    other = NewsIndex.open(writable)
    held = other.whoosh.writer()  # another process's writer, in effect: the same file lock
    try:
        with app_client(writable, ingest_token=TOKEN, write_lock_timeout=0.2) as c:
            t0 = time.perf_counter()
            r = c.post("/articles", json={"id": "late", "title": "متأخر"}, headers=AUTH)
            assert_error(r, 503, "index-locked")
            assert r.headers["retry-after"] == "1"
            assert time.perf_counter() - t0 < 5
            assert_error(c.delete(f"/articles/{KNOWN['id']}", headers=AUTH), 503)
            held.cancel()
            held = None
            # The lock is free again: the same request now succeeds.
            r = c.post("/articles", json={"id": "late", "title": "متأخر"}, headers=AUTH)
            assert r.json()["added"] == 1
    finally:
        if held is not None:
            held.cancel()


def test_cors_is_closed_unless_configured(base_index: Path) -> None:
    preflight = {
        "Origin": "https://news.example",
        "Access-Control-Request-Method": "GET",
    }
    with app_client(base_index) as c:
        r = c.get("/search", params={"q": "كوريا"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-origin" not in c.options("/search", headers=preflight).headers
    with app_client(base_index, cors_origins=["https://news.example"]) as c:
        r = c.options("/search", headers=preflight)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://news.example"
        r = c.get("/search", params={"q": "كوريا"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        r = c.get("/search", params={"q": "كوريا"}, headers={"Origin": "https://news.example"})
        assert r.headers["access-control-allow-origin"] == "https://news.example"


# --- refreshing -----------------------------------------------------------------------------


def test_commits_by_another_writer_are_served_within_the_refresh_interval(
    writable: Path,
) -> None:
    interval = 0.1
    with app_client(writable, refresh_interval=interval) as c:
        gen = c.get("/health").json()["generation"]
        other = NewsIndex.open(writable)  # another process's index object, in effect
        other.upsert({"id": "elsewhere", "title": "إعصار يضرب الساحل", "body": "إعصار"})
        other.commit()
        t0 = time.perf_counter()
        while not c.get("/search", params={"q": "إعصار"}).json()["total"]:
            assert time.perf_counter() - t0 < 5, "not visible after 5 s"
            time.sleep(0.01)
        waited = time.perf_counter() - t0
        assert waited < interval + 2.0, waited  # the check, the refresh; slack for busy CI
        assert c.get("/health").json()["generation"] > gen


def test_live_searcher_serves_threads_while_commits_swap_snapshots(writable: Path) -> None:
    ix = NewsIndex.open(writable)
    live = LiveSearcher(ix, interval=0.02, warm=False)
    with live.searcher() as s:
        before = s.search("كوريا", limit=1).total
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                with live.searcher() as s:
                    seen.append(s.search("كوريا", limit=3).total)
            except BaseException as e:
                errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    writer = NewsIndex.open(writable)
    for i in range(5):
        writer.upsert({"id": f"k{i}", "title": f"كوريا {i}", "body": "كوريا"})
        writer.commit()
        time.sleep(0.05)
    live.refresh()
    with live.searcher() as s:
        final = s.search("كوريا", limit=1).total
    stop.set()
    for t in threads:
        t.join()
    live.close()
    assert not errors, errors[:3]
    assert live.refreshes >= 1 and final == before + 5
    assert seen and set(seen) <= set(range(before, final + 1))


def test_a_refreshed_snapshot_reuses_its_segments_tables(writable: Path) -> None:
    """A refresh after a small commit reads only the new segment: columns, lengths and
    name-variant tables of the others are shared, and variants still span every segment."""
    ix = NewsIndex.open(writable)
    old = Searcher(ix).warm()
    assert old.snapshot.vocabulary.variants("اردوغان") == []
    ix.upsert({"id": "new", "title": "اردوغن يزور انقرة", "body": "زيارة"})  # another spelling
    ix.commit()
    new = old.refresh()
    assert new is not old
    shared = {seg.key: seg for seg in old.view.segments}
    for seg in new.view.segments:
        if seg.key in shared:  # the same table dictionary, owned by the index's cache
            assert seg.data is shared[seg.key].data and ("lengths", "title") in seg.data
    assert len(new.view.segments) == len(shared) + 1
    # A group split across segments (one spelling in each) is still one group.
    assert new.snapshot.vocabulary.variants("اردوغان") == ["اردوغن"]
    assert "new" in {h.id for h in new.search("أردوغان", limit=50)}
    old.close()
    new.close()
    ix.cache.clear()
    assert ix.cache.stats()["segments"] == 0 and ix.cache.stats()["postings"] == 0


def test_live_searcher_requests_take_turns_on_the_searcher(base_index: Path) -> None:
    """Whoosh's readers share file positions: two threads reading through one searcher can
    read each other's bytes (seen under load), so a searcher's calls take turns on its lock
    (the one place the library locks), also when LiveSearcher lends it to two requests."""
    live = LiveSearcher(NewsIndex.open(base_index), interval=0, warm=False)
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with live.searcher() as s, s._lock:  # as a call in progress holds it
            inside.set()
            release.wait(5)
            order.append("first out")

    def second() -> None:
        inside.wait(5)
        with live.searcher() as s:
            s.search("كوريا")
            order.append("second done")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(5)
    time.sleep(0.1)
    assert order == []  # the second request's search waits for the first
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["first out", "second done"]
    live.close()


def test_app_mounts_under_a_prefix(base_index: Path) -> None:
    parent = FastAPI()
    parent.mount("/news", create_app(base_index, refresh_interval=0, warm=False))
    with TestClient(parent) as c:
        assert c.get("/news/search", params={"q": "كوريا"}).json()["total"] > 0
        page = c.get("/news/")
        assert page.status_code == 200
        assert 'href="static/app.css"' in page.text  # relative: works under the prefix
        assert c.get("/news/static/app.js").status_code == 200


def test_search_page_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text and "onclick=" not in r.text  # nothing inline (CSP)
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/static/app.css").status_code == 200
    assert_error(client.get("/static/nope.js"), 404)
    assert client.head("/").status_code == 200


def test_app_from_env(base_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsearch.errors import ConfigError

    monkeypatch.delenv("NEWSEARCH_INDEX", raising=False)
    with pytest.raises(ConfigError, match="NEWSEARCH_INDEX"):
        app_from_env()
    monkeypatch.setenv("NEWSEARCH_INDEX", str(base_index))
    monkeypatch.setenv("NEWSEARCH_INGEST_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSEARCH_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("NEWSEARCH_REFRESH_INTERVAL", "0.25")
    app = app_from_env()
    state = app.state.newsearch
    assert state.token == TOKEN.encode() and state.live.interval == 0.25
    state.close()
    with pytest.raises(Exception, match="ASCII"):
        create_app(base_index, ingest_token="ضريبة")


# --- newsearch serve ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_command_two_workers_share_the_index(writable: Path) -> None:
    """Two worker processes: a write through one is served by both within the refresh
    interval."""
    import httpx2

    port = _free_port()
    env = {**os.environ, "NEWSEARCH_INGEST_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "newsearch", "serve", str(writable), "--port", str(port)]
    cmd += ["--workers", "2", "--refresh-interval", "0.2", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    close = {"Connection": "close"}  # a new connection per request: either worker may answer

    def health(http: httpx2.Client) -> dict[str, Any]:
        body: dict[str, Any] = http.get("/health", headers=close).json()
        return body

    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            workers: dict[int, int] = {}  # worker pid -> generation it serves
            t0 = time.perf_counter()
            while len(workers) < 2:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.perf_counter() - t0 < 30, f"workers seen: {workers}"
                try:
                    h = health(http)
                    workers[h["worker"]] = h["generation"]
                except httpx2.TransportError:
                    time.sleep(0.1)
            article = {"id": "served", "title": "كسوف الشمس يشاهد في القاهرة", "body": "كسوف"}
            r = http.post("/articles", json=article, headers=AUTH)
            assert r.status_code == 200 and r.json()["added"] == 1
            committed = NewsIndex.open(writable).whoosh.latest_generation()
            t0 = time.perf_counter()
            while min(workers.values()) < committed:  # until both serve the new commit
                assert time.perf_counter() - t0 < 5, f"not refreshed: {workers} < {committed}"
                h = health(http)
                workers[h["worker"]] = h["generation"]
            for _ in range(20):
                r = http.get("/search", params={"q": "كسوف"}, headers=close)
                assert r.json()["total"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_command_refuses_a_missing_index(tmp_path: Path) -> None:
    from newsearch.cli import main

    assert main(["serve", str(tmp_path / "missing")]) == 2
