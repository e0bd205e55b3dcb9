"""Search end to end on the bundled fixture and the seed article: ranking, query handling,
filters, sorting, paging, facets, suggestions, variants and highlighted snippets."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsearch.errors import ConfigError
from newsearch.index import NewsIndex
from newsearch.request import MAX_PAGE_SIZE, Filters
from newsearch.search import Searcher

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
SEED = (DATA / "seed" / "scraped_article_ar.txt").read_text(encoding="utf-8")
ARTICLES = [orjson.loads(x) for x in FIXTURE.read_text(encoding="utf-8").splitlines()]
MARK = re.compile(r"<mark>(.*?)</mark>")


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    index = NewsIndex.create(tmp_path_factory.mktemp("search") / "ix")
    index.ingest(FIXTURE, progress=False, workers=1)
    title, _, body = SEED.partition("\n")
    index.add(
        {"id": "seed", "title": title, "body": body, "source": "albawaba",
         "category": "internationalNews", "published": "2024-11-29T10:00:00Z",
         "url": "https://example.org/seed"}
    )  # fmt: skip
    index.add(
        {"id": "diacritized", "title": "الحُكُومَةُ تُعْلِنُ خُطَّةً جَدِيدَةً",
         "body": "أَعْلَنَتِ الحُكُومَةُ، اليَوْمَ، عَنْ خُطَّةٍ <جديدة> & \"شاملة\" للإصلاح.",
         "source": "test", "published": "2018-01-01"}
    )  # fmt: skip
    index.commit()
    return index


@pytest.fixture(scope="module")
def s(ix: NewsIndex) -> Searcher:
    return Searcher(ix)


def test_known_titles_find_their_article(s: Searcher) -> None:
    picked = [a for a in ARTICLES if len(a["title"].split()) >= 5][:30]
    firsts = [s.search(a["title"], limit=1).hits[0].id for a in picked]
    assert sum(f == a["id"] for f, a in zip(firsts, picked, strict=True)) >= 28


def test_hit_fields_and_json(s: Searcher) -> None:
    a = next(a for a in ARTICLES[10:] if '"' not in a["title"] and len(a["title"].split()) > 4)
    r = s.search(a["title"], limit=3)
    h = r.hits[0]
    assert (h.id, h.title, h.source, h.url, h.category) == (
        a["id"], a["title"], a["source"], a["url"], a["category"]
    )  # fmt: skip
    assert h.published == datetime.fromisoformat(a["published"].replace("Z", "+00:00"))
    assert h.rank == 1 and h.score > r.hits[1].score > 0
    data = orjson.loads(r.to_json())
    assert data["hits"][0]["id"] == a["id"] and data["total"] == r.total > 0
    assert data["took_ms"] > 0


def test_query_forms_find_the_same_articles(s: Searcher) -> None:
    """Without hamza, ه for ة, Arabic-Indic digits, with/without ال or a clitic."""
    pairs = [
        ("الحكومة", "الحكومه"),
        ("أعلنت", "اعلنت"),
        ("الحكومة", "والحكومة"),
        ("الحكومة", "حكومة"),
        ("الحكومة", "بالحكومة"),
        ("2018", "٢٠١٨"),
    ]
    for a, b in pairs:
        ra, rb = s.search(a, limit=50), s.search(b, limit=50)
        assert ra.total > 0 and {h.id for h in ra} == {h.id for h in rb}, (a, b)


def test_name_variants_find_each_other_and_exact_spelling_ranks_first(s: Searcher) -> None:
    # The seed spells the Korean capital بيونج يانج; the fixture has بيونغ يانغ.
    with_g = {h.id for h in s.search("بيونغ يانغ", limit=100)}
    assert "seed" in with_g
    exact = s.search("بيونج يانج", limit=5, variants=False)
    assert [h.id for h in exact] == ["seed"]
    # كيم جونج أون (seed) and كيم جونغ أون (fixture) find each other.
    both = s.search("كيم جونج أون", limit=100)
    assert "seed" in {h.id for h in both}
    assert any("جونغ" in h.title for h in both if h.id != "seed") or both.total > 1
    # no variants: the other spelling is not found
    plain = {h.id for h in s.search("جونج", limit=100, variants=False)}
    assert plain == {"seed"}


def test_variant_weight_keeps_typed_spelling_first() -> None:
    ix = NewsIndex.in_memory()
    ix.add({"id": "a", "title": "ترامب يلتقي الزعيم", "body": "زيارة ترامب اليوم"})
    ix.add({"id": "b", "title": "ترمب يلتقي الزعيم", "body": "زيارة ترمب اليوم"})
    for i in range(5):
        ix.add({"id": f"x{i}", "title": f"خبر رقم {i}", "body": "نص عادي"})
    ix.commit()
    with Searcher(ix) as s:
        assert [h.id for h in s.search("ترامب")] == ["a", "b"]
        assert [h.id for h in s.search("ترمب")] == ["b", "a"]
        assert [h.id for h in s.search("ترمب", variants=False)] == ["b"]


def test_highlights_mark_whole_words_in_the_original_text(s: Searcher) -> None:
    r = s.search("الحكومة خطة", limit=5)
    h = next(h for h in r if h.id == "diacritized")
    assert MARK.findall(h.title_html) == ["الحُكُومَةُ", "خُطَّةً"]
    snip = h.snippets[0]
    assert "<mark>الحُكُومَةُ</mark>" in snip and "<mark>خُطَّةٍ</mark>" in snip
    # HTML outside the marks is escaped, the text itself intact
    assert "&lt;جديدة&gt; &amp;" in snip and "<جديدة>" not in snip
    plain = html.unescape(MARK.sub(r"\1", snip))
    assert plain in 'أَعْلَنَتِ الحُكُومَةُ، اليَوْمَ، عَنْ خُطَّةٍ <جديدة> & "شاملة" للإصلاح.'


def test_highlight_marks_clitic_words_on_the_seed(s: Searcher) -> None:
    r = s.search("العلاقات الكورية", limit=3, filters={"source": "albawaba"})
    h = r.hits[0]
    assert h.id == "seed"
    marked = {m for snip in h.snippets for m in MARK.findall(snip)}
    # والعلاقات / العلاقات / علاقاتنا are marked whole, with their clitics
    assert marked & {"العلاقات", "والعلاقات", "علاقاتنا", "الكورية", "الكوري"}
    for m in marked:
        assert m in SEED  # cut from the original, never from the normalized text


def test_snippet_without_match_is_the_opening_cut_at_a_word(s: Searcher) -> None:
    r = s.search("source:albawaba", limit=1)
    snip = r.hits[0].snippets[0]
    assert snip.endswith("…") and "<mark>" not in snip
    assert SEED.partition("\n")[2].strip().startswith(html.unescape(snip[:-1]).strip()[:40])


def test_filters_sort_and_paging(s: Searcher) -> None:
    everything = s.search("الرئيس", limit=100)
    bbc = s.search("الرئيس", filters={"source": "BBC"}, limit=100)
    assert 0 < bbc.total < everything.total
    assert {h.source for h in bbc} == {"BBC"}
    assert s.search("الرئيس source:BBC", limit=100).total == bbc.total
    both = s.search("الرئيس", filters=Filters(sources=("BBC", "CNN")), limit=100)
    assert {h.source for h in both} == {"BBC", "CNN"}
    may = s.search("الرئيس", filters={"from": "2018-05-01", "to": "2018-05-31"}, limit=100)
    assert may.total and all(
        datetime(2018, 5, 1, tzinfo=UTC) <= h.published <= datetime(2018, 6, 1, tzinfo=UTC)
        for h in may if h.published
    )  # fmt: skip
    newest = s.search("الرئيس", sort="newest", limit=20)
    dates = [h.published for h in newest]
    assert dates == sorted(dates, reverse=True)
    oldest = s.search("الرئيس", sort="oldest", limit=20)
    assert [h.published for h in oldest] == sorted(h.published for h in oldest)
    p1 = s.search("الرئيس", limit=5, page=1)
    p2 = s.search("الرئيس", limit=5, page=2)
    assert p1.total == p2.total and not {h.id for h in p1} & {h.id for h in p2}
    assert [h.rank for h in p2] == [6, 7, 8, 9, 10]
    assert s.search("الرئيس", limit=MAX_PAGE_SIZE).page_size == MAX_PAGE_SIZE
    # Out-of-range paging is refused, not clamped (the CLI and HTTP API share this check).
    with pytest.raises(ConfigError, match="limit"):
        s.search("الرئيس", limit=MAX_PAGE_SIZE + 1)
    with pytest.raises(ConfigError, match="page"):
        s.search("الرئيس", page=0)
    with pytest.raises(ConfigError, match="beyond the first"):
        s.search("الرئيس", page=10_000)


def test_recency_blend_prefers_fresh_articles(s: Searcher) -> None:
    rel = s.search("كوريا الشمالية", limit=10)
    rec = s.search("كوريا الشمالية", sort="recency", limit=10, half_life_days=1)
    assert rec.hits[0].id == "seed"  # 2024: far newer than the 2018 fixture
    assert {h.id for h in rec} != {h.id for h in rel} or rec.hits[0].id != rel.hits[0].id


def test_facets_count_every_hit(s: Searcher) -> None:
    r = s.search("الرئيس", facets=True, date_histogram="month", limit=5)
    assert sum(r.facets["source"].values()) == r.total
    assert sum(r.facets["published"].values()) <= r.total
    assert all(re.fullmatch(r"\d{4}-\d{2}", k) for k in r.facets["published"])
    bbc = s.search("الرئيس", filters={"source": "BBC"}, facets=["source"])
    assert bbc.facets["source"] == {"BBC": bbc.total}
    with pytest.raises(ConfigError):
        s.search("x", facets=["author"])


def test_phrases_exclusions_and_all_words(s: Searcher) -> None:
    phrase = s.search('"كوريا الشمالية"', limit=100)
    loose = s.search("كوريا الشمالية", limit=100)
    assert 0 < phrase.total <= loose.total
    without = s.search('كوريا -"كوريا الشمالية"', limit=100)
    assert not {h.id for h in without} & {h.id for h in phrase}
    excluded = s.search("كوريا -ترامب", limit=100)
    assert all("ترامب" not in (h.title + (s.index.get(h.id).body)) for h in excluded)
    every = s.search("كوريا ترامب", operator="and", limit=100)
    some = s.search("كوريا ترامب", limit=100)
    assert 0 < every.total < some.total


def test_suggestion_and_fuzzy_fallback(s: Searcher) -> None:
    # Two words typed as one are found as the word pair the index has (a spelling expansion)
    # before any fuzzy retry; without spelling expansions, the fuzzy fallback splits them.
    r = s.search("الحكومةالمصرية")
    assert r.total > 0 and not r.fuzzy_used
    assert [e.added for e in r.expansions if e.kind == "spelling"] == [("الحكومه المصريه",)]
    r = s.search("الحكومةالمصرية", variants=False)
    assert r.total > 0 and r.fuzzy_used
    typo = s.search("كورياا الشماليه", fuzzy_fallback=False)
    assert typo.total > 0  # one word is fine
    none = s.search("الشمالبة", fuzzy_fallback=False)
    assert none.total == 0 and none.suggestion is not None
    assert s.search(none.suggestion).total > 0
    assert s.search("الرئيس").suggestion is None


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "OR", "-", "source:", "(((", "*", "title:ترامب", "\x00", "ـــ", "ًٌٍ",
     "a" * 5000, "؟؟؟", "🙂", "\ud800"],
)  # fmt: skip
def test_no_query_ever_raises(s: Searcher, query: str) -> None:
    r = s.search(query)
    assert r.total >= 0
    r2 = s.search(query, mode="advanced")
    assert r2.total >= 0


def test_empty_query_with_filters_lists_newest(s: Searcher) -> None:
    r = s.search("", filters={"source": "BBC"}, limit=5)
    assert r.total == sum(1 for a in ARTICLES if a["source"] == "BBC")
    assert r.sort == "newest"
    assert s.search("").total == 0


def test_advanced_mode(s: Searcher) -> None:
    r = s.search("title:كوريا AND title:الشمالية", mode="advanced", limit=50)
    assert r.total > 0 and all("كوريا" in h.title for h in r)


def test_advanced_date_ranges_read_the_one_precision_indexed(s: Searcher) -> None:
    # `published` is indexed at one precision (schema._dates): a typed range reads the terms
    # inside it, and finds what the date filter (the column) finds.
    assert s.view.schema["published"].shift_step == 0
    for text, start, end in [
        ("published:[20180301 to 20180401]", datetime(2018, 3, 1), datetime(2018, 4, 2)),
        ("published:2018", datetime(2018, 1, 1), datetime(2019, 1, 1)),
    ]:
        ts = s.view.timestamps("published")
        lo, hi = (d.replace(tzinfo=UTC).timestamp() for d in (start, end))
        expected = {s.view.stored(int(d))["id"] for d in ((ts >= lo) & (ts < hi)).nonzero()[0]}
        got = s.search(text, mode="advanced", limit=MAX_PAGE_SIZE)
        assert expected and got.total == len(expected) and {h.id for h in got} <= expected


def test_bad_arguments(s: Searcher) -> None:
    with pytest.raises(ConfigError):
        s.search("x", sort="random")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        s.search("x", filters={"colour": "red"})
    with pytest.raises(ConfigError):
        s.search("x", filters={"from": "yesterday-ish"})


def test_deleted_and_updated_articles(tmp_path: Path) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    ix.add({"id": "a", "title": "زلزال في اليابان", "body": "زلزال قوي"})
    ix.add({"id": "b", "title": "زلزال في تركيا", "body": "زلزال"})
    ix.commit()
    with Searcher(ix) as s:
        assert {h.id for h in s.search("زلزال")} == {"a", "b"}
    ix.delete("a")
    ix.upsert({"id": "b", "title": "فيضان في تركيا", "body": "فيضان"})
    ix.commit()
    with Searcher(ix) as s:
        assert s.search("زلزال").total == 0
        assert [h.id for h in s.search("فيضان")] == ["b"]


def test_warm_builds_the_lazy_tables(ix: NewsIndex) -> None:
    with ix.searcher() as s:
        assert s.warm() is s and s.snapshot.vocabulary._variants is not None
        assert s.search("بيونغ يانغ").total > 0


def test_searcher_refresh(tmp_path: Path) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    ix.add({"id": "a", "title": "زلزال", "body": "زلزال"})
    ix.commit()
    s = Searcher(ix)
    assert s.up_to_date() and s.refresh() is s
    ix.add({"id": "b", "title": "زلزال ثان", "body": "زلزال"})
    ix.commit()
    assert s.search("زلزال").total == 1  # a snapshot
    s2 = s.refresh()
    assert s2 is not s and s2.search("زلزال").total == 2
    s.close()
    s2.close()


def test_a_phrase_next_to_other_words_ranks_higher_but_is_not_required(s: Searcher) -> None:
    soft = s.search('الرئيس "كوريا الشمالية"', limit=100)
    required = s.search('"كوريا الشمالية"', limit=100)
    phrase_ids = {h.id for h in required}
    assert soft.total > required.total  # articles with الرئيس only are found too
    top = [h.id for h in soft][:5]
    assert sum(i in phrase_ids for i in top) >= 3
    strict = s.search('الرئيس "كوريا الشمالية"', operator="and", limit=100)
    assert {h.id for h in strict} <= phrase_ids


def test_cli_search(ix: NewsIndex, capsys: pytest.CaptureFixture[str]) -> None:
    from newsearch.cli import main

    assert main(["search", str(ix.path), "كوريا الشمالية", "--source", "BBC", "--facets",
                 "--limit", "2"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "results (" in out and " BBC · " in out and "source: BBC" in out
    assert main(["search", str(ix.path), "كوريا", "--json", "--from", "2018-05-01",
                 "--to", "2018-05-31", "--sort", "newest"]) == 0  # fmt: skip
    data = orjson.loads(capsys.readouterr().out)
    assert data["sort"] == "newest" and data["filters"]["from"].startswith("2018-05-01")
    assert all(h["published"].startswith("2018-05") for h in data["hits"])
    assert main(["search", str(ix.path), "x", "--from", "soon"]) == 2  # a clear error
    assert "not a date" in capsys.readouterr().err


# -- proximity: adjacent query words (title_pairs / body_pairs)


def test_pair_filter_pairs_adjacent_stems_and_stops_at_the_lead() -> None:
    from newsearch.analysis import PairFilter, build_analyzer

    a = build_analyzer("light") | PairFilter()
    # "في" is a stop word: its neighbours pair up, as the query side drops it too.
    assert [t.text for t in a("انفجار في مرفأ بيروت")] == ["انفجار مرف", "مرف بيروت"]
    assert [t.text for t in a("بيروت")] == []
    lead = build_analyzer("light") | PairFilter(limit=3)
    assert [t.text for t in lead("واحد اثنان ثلاثة اربعة خمسة")] == ["احد اثنان", "اثنان ثلاث"]


def test_adjacent_query_words_rank_an_article_that_keeps_them_together() -> None:
    filler = "وقالت مصادر محلية إن الوضع هادئ في المنطقة بعد ساعات من التوتر"
    ix = NewsIndex.in_memory()
    # Same words, same lengths; only the order differs.
    ix.add({"id": "apart", "title": "بيروت تستيقظ على انفجار هز مرفأ",
            "body": f"بيروت {filler} مرفأ"})  # fmt: skip
    ix.add({"id": "together", "title": "انفجار في مرفأ بيروت يهز العاصمة",
            "body": f"مرفأ بيروت {filler}"})  # fmt: skip
    ix.commit()
    with ix.searcher() as s:
        on = s.search("مرفأ بيروت")
        off = s.search("مرفأ بيروت", proximity=0)
        reverse = s.search("بيروت مرفأ")
    assert [h.id for h in on] == ["together", "apart"]
    assert on.hits[0].score > on.hits[1].score
    assert off.hits[0].score == pytest.approx(off.hits[1].score, rel=0.1)
    # Pairs are ordered: the reversed query has no pair bonus for "together".
    assert reverse.hits[0].score < on.hits[0].score
    # The pair terms are not highlighted as words of their own.
    assert "<mark>مرفأ</mark>" in on.hits[0].title_html


def test_proximity_is_off_for_or_groups_and_single_words(s: Searcher) -> None:
    from newsearch.plan import pair_words
    from newsearch.query import parse_query

    weights, analyzers = s.options.field_weights(), s.snapshot.analyzers

    def pairs(text: str, fields: tuple[str, ...]) -> list[Any]:
        return pair_words(parse_query(text), fields, weights, 0.3, analyzers)

    assert pairs("بيروت", ("title", "body")) == []
    assert pairs("مرفأ OR ميناء بيروت", ("title", "body")) == []
    words = pairs('"مرفأ بيروت" انفجار كبير', ("body",))
    assert {w.text for w in words} == {"مرف بيروت", "انفجار كبير"}
    assert {t.field for w in words for t in w.terms} == {"body_pairs"}


def test_threads_can_share_a_searcher(s: Searcher) -> None:
    """Calls take turns on a lock: Whoosh's readers share file positions, and concurrent
    reads through one searcher were seen to corrupt each other under load."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [" ".join(a["title"].split()[:3]) for a in ARTICLES[:60]]
    expected = [[h.id for h in s.search(q)] for q in queries]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: [h.id for h in s.search(q)], queries * 3))
    assert got == expected * 3
    assert s._lock.acquire(blocking=False)  # nothing left holding it
    s._lock.release()
