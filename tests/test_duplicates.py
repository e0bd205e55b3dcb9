"""Near-duplicates: signatures made at ingest, copies of an article, pasted text, groups over the
whole index, contradictions kept apart, the CLI. Real copies come from the bundled ANT sample
(an article filed twice under two headlines; a Sky News dispatch France24 republished edited);
the others are made here from fixture articles."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsearch.cli import main
from newsearch.duplicates import (
    MIN_WORDS,
    NUM_PERM,
    THRESHOLD,
    band_keys,
    is_copy,
    signature_of,
    similarity,
)
from newsearch.errors import ArticleNotFoundError, NewsearchError
from newsearch.index import NewsIndex
from newsearch.results import Copy
from newsearch.search import Searcher, find_duplicates

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "ant" / "fixture_articles.jsonl"
SAMPLE = ROOT / "examples" / "ant_sample.jsonl.gz"
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
#: Pairs of the ANT sample: the same body filed twice by Sky News under two headlines; a Sky
#: News dispatch France24 ran a day later with its own lead and edits.
FILED_TWICE = ("SK-economy-988-20180717", "SK-economy-990-20180717")
REPUBLISHED = ("SK-technology-1178-20180725", "FR-internationalNews-2475-20180726")
#: A pair of the fixture itself (one of its silver same-story pairs); the fixture holds five
#: such pairs of copies.
FIXTURE_COPY = ("AL-internationalNews-250-20180227", "SK-internationalNews-162-20180227")
FIXTURE_GROUPS = 5
SILVER = ROOT / "tests" / "data" / "ant" / "fixture_story_pairs_silver.tsv"

ORIGINAL = next(a for a in ARTICLES if a["source"] == "BBC" and len(a["body"]) > 2000)
WIRE_COPY = {
    **ORIGINAL,
    "id": "wire-copy",
    "source": "alweeam",
    "title": "عاجل: " + ORIGINAL["title"],
    "url": "https://example.org/wire-copy",
    "published": "2030-01-01T00:00:00Z",
    # a paper's own byline in front, its link line at the end, a phrase dropped
    "body": "الرياض - الويام\n"
    + ORIGINAL["body"].replace("،", " ", 3)
    + "\nرابط الخبر بصحيفة الويام: "
    + ORIGINAL["title"],
}
REFILED = {**ORIGINAL, "id": "refiled", "url": "https://example.org/refiled"}
#: Headline-only articles: a statement and its negation; a count and a changed count.
PLAN = "الحكومة تعلن أنها تخطط لرفع أسعار الوقود في العام المقبل بعد مراجعة الموازنة العامة"
NO_PLAN = PLAN.replace("أنها تخطط", "أنها لا تخطط")
DEATHS = "مقتل 12 شخصا في انهيار مبنى سكني من خمسة طوابق وسط العاصمة صباح اليوم الأحد"
HEADLINES = {
    "plan": PLAN,
    "no-plan": NO_PLAN,
    "deaths-12": DEATHS,
    "deaths-21": DEATHS.replace("12", "21"),
}


def sample_articles(ids: set[str]) -> list[dict[str, Any]]:
    with gzip.open(SAMPLE, "rb") as f:
        rows = [orjson.loads(line) for line in f]
    return [r for r in rows if r["id"] in ids]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex.create(tmp_path_factory.mktemp("dups") / "ix")
    extra = [*sample_articles({*FILED_TWICE, *REPUBLISHED}), WIRE_COPY, REFILED]
    extra += [{"id": k, "title": v, "source": "test"} for k, v in HEADLINES.items()]
    extra.append({"id": "tiny", "title": "كاريكاتير", "source": "test"})
    report = index.ingest([FIXTURE, *extra], progress=False, workers=1)
    assert report.ok and report.added == len(ARTICLES) + len(extra)
    return index


@pytest.fixture(scope="module")
def s(ix: NewsIndex) -> Searcher:
    return ix.searcher()


def ids(copies: list[Copy]) -> list[str]:
    return [c.id for c in copies]


def test_exact_copies_have_similarity_one(s: Searcher) -> None:
    copies = s.duplicates(ORIGINAL["id"])
    refiled = next(c for c in copies if c.id == "refiled")
    assert refiled.exact and refiled.similarity == 1.0
    assert (refiled.title, refiled.source, refiled.url) == (
        ORIGINAL["title"],
        ORIGINAL["source"],
        "https://example.org/refiled",
    )
    assert refiled.published is not None and refiled.published.tzinfo is not None
    assert refiled.to_dict()["published"] == refiled.published.isoformat()


def test_edited_wire_copy_is_found_both_ways(s: Searcher) -> None:
    copies = s.duplicates(ORIGINAL["id"])
    assert set(ids(copies)) == {"refiled", "wire-copy"}
    assert ids(copies)[0] == "refiled"  # most similar first
    wire = copies[1]
    assert not wire.exact and THRESHOLD <= wire.similarity < 1.0
    assert set(ids(s.duplicates("wire-copy"))) == {ORIGINAL["id"], "refiled"}
    assert ORIGINAL["id"] not in ids(s.duplicates(ORIGINAL["id"]))  # never itself


def test_real_copies_from_the_sample(s: Searcher) -> None:
    a, b = FILED_TWICE  # same body, two headlines: the headline is not compared
    (c,) = s.duplicates(a)
    assert c.id == b and c.exact and c.similarity == 1.0
    a, b = REPUBLISHED
    (c,) = s.duplicates(a)
    assert c.id == b and not c.exact and c.similarity >= THRESHOLD
    assert c.source == "france24"


def test_fixture_copies_are_only_same_story_partners(s: Searcher) -> None:
    # the fixture: 30 silver same-story pairs across outlets + random articles; the only
    # copies among them must be such partners (wire texts both outlets ran)
    partners = set()
    for line in SILVER.read_text(encoding="utf-8").splitlines()[1:]:
        _, a, b, *_ = line.split("\t")
        partners |= {(a, b), (b, a)}
    found = {
        (a["id"], c.id)
        for a in ARTICLES
        if a["id"] != ORIGINAL["id"]
        for c in s.duplicates(a["id"])
    }
    assert found <= partners
    assert len(found) == 2 * FIXTURE_GROUPS


def test_a_fixture_wire_copy_across_outlets(s: Searcher) -> None:
    # AlArabiya and Sky News ran one agency text; Sky News wrote "five" for "5" and dropped
    # AlArabiya's hashtag underscores (which separate words here)
    a, b = FIXTURE_COPY
    assert ids(s.duplicates(a)) == [b]
    (c,) = s.duplicates(b)
    assert c.id == a and c.source == "alarabia" and 0.85 <= c.similarity < 1


def test_contradicting_headlines_are_not_copies(s: Searcher) -> None:
    for key in HEADLINES:
        assert s.duplicates(key) == [], key


def test_numbers_and_negations_decide_between_near_identical_headlines() -> None:
    text = "أعلنت وزارة الصحة تسجيل إصابات جديدة بالفيروس في مدينة جدة خلال عام 2018"
    a, b = signature_of(text), signature_of(text.replace("2018", "2019"))
    assert a is not None and b is not None
    assert similarity(a, b) >= THRESHOLD  # the words alone would make them copies
    assert not is_copy(a, b)  # a different number: a different claim
    assert is_copy(a, b, min_similarity=0.5) is False
    c = signature_of(text.replace("تسجيل", "عدم تسجيل"))
    assert c is not None and not is_copy(a, c)
    # in a long text a changed number is a copy edit, not a different story
    long = " ".join([ORIGINAL["body"], text])
    la, lb = signature_of(long), signature_of(long.replace("2018", "2019"))
    assert la is not None and lb is not None and is_copy(la, lb)


def test_pasted_text_finds_its_copies(s: Searcher) -> None:
    view = s.snapshot.copies
    assert s.snapshot.copies is view  # made once per snapshot
    pasted = "منقول: " + ORIGINAL["body"]
    sig = view.signature_of(pasted)
    assert sig is not None
    found = {view.copy(d, sim, False).id for d, sim in view.copies_of(sig)}
    assert found == {ORIGINAL["id"], "refiled", "wire-copy"}
    as_copies = view.duplicates_of(view.signature_of(ORIGINAL["body"]))
    assert {c.id for c in as_copies} == found
    assert {c.id for c in as_copies if c.exact} == {ORIGINAL["id"], "refiled"}
    assert view.signature_of("نص قصير جدا") is None  # fewer than MIN_WORDS words
    assert view.copies_of(None) == []


def test_view_lookups(s: Searcher) -> None:
    view = s.snapshot.copies
    d = view.docnum(ORIGINAL["id"])
    sig = view.signature(d)
    assert sig is not None and sig.dtype == np.uint32 and len(sig) == 5 + NUM_PERM
    assert np.array_equal(sig, view.signature_of(ORIGINAL["body"], ORIGINAL["title"]))
    cands = view.candidates(sig)
    assert d in cands and len(cands) >= 3
    copies = dict(view.copies(d))
    assert {view.copy(x, 0, False).id for x in copies} == {"refiled", "wire-copy"}
    assert view.signature(view.docnum("tiny")) is None  # too short to identify
    assert s.duplicates("tiny") == []
    assert view.signature(10**9) is None


def test_unknown_id_raises(s: Searcher) -> None:
    with pytest.raises(ArticleNotFoundError) as e:
        s.duplicates("no-such-article")
    assert isinstance(e.value, NewsearchError) and isinstance(e.value, KeyError)
    assert "no-such-article" in str(e.value)


def test_find_duplicates_groups_the_whole_index(ix: NewsIndex) -> None:
    groups = find_duplicates(ix)
    by_first = {g.ids[0]: g for g in groups}
    assert len(groups) == 3 + FIXTURE_GROUPS
    assert sorted(map(len, groups), reverse=True) == [3] + [2] * (2 + FIXTURE_GROUPS)
    g = by_first[ORIGINAL["id"]]  # first published is the representative
    assert set(g.ids) == {ORIGINAL["id"], "refiled", "wire-copy"}
    assert g.representative.id == ORIGINAL["id"] and g.members[0] is g.representative
    assert g.representative.similarity == 1.0
    assert set(by_first[FILED_TWICE[0]].ids) == set(FILED_TWICE)
    assert set(by_first[REPUBLISHED[0]].ids) == set(REPUBLISHED)
    d = g.to_dict()
    assert d["representative"] == ORIGINAL["id"] and d["size"] == 3
    with ix.searcher() as s:
        assert [x.ids for x in find_duplicates(s)] == [x.ids for x in groups]


def test_updates_and_deletes_are_seen(tmp_path: Path) -> None:
    index = NewsIndex.create(tmp_path / "ix")
    index.ingest([ORIGINAL, WIRE_COPY], progress=False, workers=1)
    with index.searcher() as s:
        assert ids(s.duplicates("wire-copy")) == [ORIGINAL["id"]]
    index.upsert({**WIRE_COPY, "body": ARTICLES[3]["body"]})  # now another story
    index.add({**REFILED})
    index.commit()
    with index.searcher() as s:
        assert ids(s.duplicates(ORIGINAL["id"])) == ["refiled"]
        assert s.duplicates("wire-copy") == []
    index.delete("refiled")
    index.commit()
    with index.searcher() as s:
        assert s.duplicates(ORIGINAL["id"]) == []
        with pytest.raises(ArticleNotFoundError):
            s.duplicates("refiled")
        assert find_duplicates(s) == []


def test_cli_duplicates_json(ix: NewsIndex, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duplicates", str(ix.path), ORIGINAL["id"], "--json"]) == 0
    out = orjson.loads(capsys.readouterr().out)
    assert out["id"] == ORIGINAL["id"]
    assert {c["id"] for c in out["copies"]} == {"refiled", "wire-copy"}
    assert all(0 < c["similarity"] <= 1 and "published" in c for c in out["copies"])
    assert main(["duplicates", str(ix.path), "--json"]) == 0
    out = orjson.loads(capsys.readouterr().out)
    assert out["groups"] == 8 and out["articles"] == 17
    assert out["duplicate_groups"][0]["size"] == 3
    assert main(["duplicates", str(ix.path)]) == 0
    assert "8 groups of copies, 17 articles" in capsys.readouterr().out
    assert main(["duplicates", str(ix.path), ORIGINAL["id"], "--min-similarity", "0.99"]) == 0
    out_text = capsys.readouterr().out
    assert f"1 copy of {ORIGINAL['id']}" in out_text and "exact" in out_text  # refiled only
    assert main(["duplicates", str(ix.path), "no-such-article"]) == 2
    assert "no article with id 'no-such-article'" in capsys.readouterr().err


def test_signature_is_deterministic_across_processes() -> None:
    text = ORIGINAL["body"][:600]
    code = (
        "import sys; from newsearch.duplicates import signature_of; "
        "sys.stdout.write(signature_of(sys.stdin.read()).tobytes().hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True
    )
    sig = signature_of(text)
    assert sig is not None and out.stdout == sig.tobytes().hex()
    assert band_keys(sig) == band_keys(np.frombuffer(bytes.fromhex(out.stdout), np.uint32))


VOCABULARY = "الحكومة أعلنت اليوم عن خطة جديدة للإصلاح في 2018 لا وزير النفط"
WORDS = st.lists(
    st.sampled_from(VOCABULARY.split()),
    min_size=MIN_WORDS,
    max_size=60,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=WORDS)
def test_a_text_is_an_exact_copy_of_itself(words: list[str]) -> None:
    text = " ".join(words)
    a, b = signature_of(text), signature_of("  " + text.replace(" ", " ، ") + " .")
    assert a is not None and b is not None
    assert is_copy(a, b) and similarity(a, b) == 1.0  # punctuation and spacing aside
    assert np.array_equal(a[5:], b[5:])
