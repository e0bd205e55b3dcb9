"""Related news on the bundled fixture: same-story articles of other outlets first, the article
itself never, copies collapsed into "also published by", filters, pasted text, the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

from newsearch.errors import ArticleNotFoundError
from newsearch.index import NewsIndex
from newsearch.search import Searcher

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
PAIRS = DATA / "ant" / "fixture_story_pairs_silver.tsv"
ARTICLES = {a["id"]: a for a in (orjson.loads(x) for x in FIXTURE.read_text("utf-8").splitlines())}
PAIR_ROWS = list(csv.DictReader(PAIRS.open(encoding="utf-8"), delimiter="\t"))
# Two silver partners: A (read) and B, the same story told by another outlet in its own words
# (a third of their word pairs shared: not a copy).
A, B = PAIR_ROWS[1]["id_a"], PAIR_ROWS[1]["id_b"]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex.create(tmp_path_factory.mktemp("related") / "ix")
    index.ingest(FIXTURE, progress=False, workers=1)
    a, b = ARTICLES[A], ARTICLES[B]
    # A wire copy of A at a third outlet (its own headline and a sign-off), and two copies of B.
    index.add(dict(a, id="A-copy", source="wire", title="عاجل: " + a["title"],
                   body=a["body"] + "\nالمصدر: وكالات"))  # fmt: skip
    index.add(dict(b, id="B-copy-1", source="paper1", body=b["body"] + " (رويترز)"))
    index.add(dict(b, id="B-copy-2", source="paper2", body="نشر: " + b["body"]))
    index.commit()
    return index


@pytest.fixture(scope="module")
def s(ix: NewsIndex) -> Searcher:
    return ix.searcher()


def test_the_article_is_never_related_to_itself(s: Searcher) -> None:
    for aid in list(ARTICLES)[:40]:
        assert aid not in {h.id for h in s.related(aid, k=10)}


def test_same_story_partners_of_other_outlets_come_first(s: Searcher) -> None:
    found = 0
    for row in PAIR_ROWS:
        r = s.related(row["id_a"], k=5)
        shown = {h.id for h in r} | {c.id for c in r.also_published_by}
        shown |= {c.id for h in r for c in h.also_published_by}
        found += row["id_b"] in shown
    # The fixture's 30 silver pairs are all in the easy band (cosine >= 0.5); many partners
    # are edited copies of one wire dispatch, listed under "also published by".
    assert found >= 0.9 * len(PAIR_ROWS)


def test_a_partner_that_copies_the_article_is_listed_as_also_published_by(s: Searcher) -> None:
    # Pair 0: the partner's body repeats the article's (83% of word pairs shared).
    a, b = PAIR_ROWS[0]["id_a"], PAIR_ROWS[0]["id_b"]
    r = s.related(a, k=10)
    assert b in {c.id for c in r.also_published_by}
    assert b not in {h.id for h in r}


def test_copies_of_the_article_are_listed_apart(s: Searcher) -> None:
    r = s.related(A, k=10)
    assert "A-copy" in {c.id for c in r.also_published_by}
    assert "A-copy" not in {h.id for h in r}
    copy = next(c for c in r.also_published_by if c.id == "A-copy")
    assert copy.source == "wire" and 0.4 <= copy.similarity <= 1.0


def test_copies_of_a_related_article_collapse_into_one_hit(s: Searcher) -> None:
    r = s.related(A, k=10)
    ids = [h.id for h in r]
    family = {B, "B-copy-1", "B-copy-2"}
    shown = [i for i in ids if i in family]
    assert len(shown) == 1, ids  # one of the three, not three
    hit = next(h for h in r if h.id in family)
    assert {c.id for c in hit.also_published_by} == family - {hit.id}
    assert {c.source for c in hit.also_published_by} <= {"paper1", "paper2", ARTICLES[B]["source"]}


def test_without_collapse_copies_are_shown(s: Searcher) -> None:
    ids = [h.id for h in s.related(A, k=10, collapse=False)]
    assert "A-copy" in ids and len({B, "B-copy-1", "B-copy-2"} & set(ids)) >= 2


def test_pasted_text_finds_the_story_and_lists_the_article_as_a_copy(s: Searcher) -> None:
    a = ARTICLES[A]
    r = s.related(a["title"] + "\n" + a["body"], k=10)
    assert r.article_id is None
    assert {A, "A-copy"} <= {c.id for c in r.also_published_by}
    assert B in {h.id for h in r} | {c.id for h in r for c in h.also_published_by}
    # An Article-like mapping without an id (title weighted up, dated: time-lifted) too.
    r2 = s.related({"title": a["title"], "body": a["body"], "published": a["published"]}, k=10)
    assert r2.hits[0].id == B and {A, "A-copy"} <= {c.id for c in r2.also_published_by}


def test_filters_and_time_window(s: Searcher) -> None:
    a = ARTICLES[A]
    src = next(iter({x["source"] for x in ARTICLES.values()} - {a["source"]}))
    r = s.related(A, k=10, sources=[src])
    assert r.hits and {h.source for h in r} == {src}
    t0 = datetime.fromisoformat(a["published"].replace("Z", "+00:00"))
    r = s.related(A, k=10, within_days=2)
    assert r.hits
    assert all(abs(h.published - t0) <= timedelta(days=2) for h in r if h.published)


def test_time_closeness_lifts_articles_of_the_same_days(s: Searcher) -> None:
    t0 = datetime.fromisoformat(ARTICLES[A]["published"].replace("Z", "+00:00"))

    def mean_gap(hits: list) -> float:
        gaps = [abs((h.published - t0).total_seconds()) for h in hits if h.published]
        return sum(gaps) / len(gaps)

    lifted = s.related(A, k=10).hits
    flat = s.related(A, k=10, time_weight=0.0).hits
    assert mean_gap(lifted) <= mean_gap(flat)


def test_unknown_ids_and_bad_input(s: Searcher) -> None:
    with pytest.raises(ArticleNotFoundError):
        s.related("no-such-id")
    with pytest.raises(KeyError):  # ArticleNotFoundError is a KeyError too
        s.related("no-such-id")
    from newsearch.errors import ConfigError

    with pytest.raises(ConfigError):
        s.related({"title": "", "body": ""})
    with pytest.raises(ConfigError):
        s.related({"title": "نص بلا تاريخ", "body": "نص"}, within_days=3)


def test_results_serialize_with_their_copies(s: Searcher) -> None:
    d = orjson.loads(s.related(A, k=3).to_json())
    assert d["article_id"] == A
    assert any(c["id"] == "A-copy" for c in d["also_published_by"])
    assert all("also_published_by" in h for h in d["hits"])
    assert len(d["hits"]) <= 3


def test_cli_related(ix: NewsIndex) -> None:
    cmd = [sys.executable, "-m", "newsearch", "related", str(ix.path), A, "--k", "3", "--json"]
    out = subprocess.run(cmd, capture_output=True, check=True)
    d = orjson.loads(out.stdout)
    assert d["article_id"] == A and 0 < len(d["hits"]) <= 3
    text = subprocess.run(cmd[:-1], capture_output=True, check=True, text=True).stdout
    assert "also published by: wire A-copy" in text
