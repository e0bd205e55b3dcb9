"""Query expansions for words as people type them (issue 14): Latin script, rare spellings of
names, a name written joined, other word forms, a month as a date preference, feedback.

Each expansion is tested end to end on a small index where only the expansion can find the
articles, is shown in ``Results.expansions``, and is gone when its option is off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsearch import NewsIndex
from newsearch.expand import find_dates, form_candidates, script_candidates, word_looks_native
from newsearch.loanwords import looks_native, roots_of
from newsearch.translit import MAX_SPELLINGS, arabic_spellings
from newsearch.variants import WordMemo, foreign_candidates, spelling_candidates

# --- the pure parts -------------------------------------------------------------------------


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=14))
def test_arabic_spellings_are_bounded_arabic_words(word: str) -> None:
    out = arabic_spellings(word)
    assert len(out) <= MAX_SPELLINGS
    assert len(set(out)) == len(out)
    for s in out:
        assert s and all("\u0621" <= c <= "\u064a" for c in s), s


@pytest.mark.parametrize(
    ("latin", "arabic"),
    [("windows", "ويندوز"), ("kepler", "كبلر"), ("google", "جوجل"), ("twitter", "تويتر"),
     ("bitcoin", "بيتكوين"), ("iphone", "ايفون"), ("trump", "ترامب"), ("netflix", "نتفليكس")],
)  # fmt: skip
def test_latin_words_get_their_usual_arabic_spelling(latin: str, arabic: str) -> None:
    assert arabic in arabic_spellings(latin)


def test_a_lone_letter_is_spelled_by_its_arabic_name_and_two_letters_are_left_alone() -> None:
    assert script_candidates("F") == ["اف"]
    assert script_candidates("tv") == []
    assert script_candidates("ويندوز") == []


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("انتخابات سبتمبر 2018", datetime(2018, 9, 1, tzinfo=UTC), datetime(2018, 9, 30)),
        ("قمة تشرين الأول ٢٠١٨ الرياض", datetime(2018, 10, 1, tzinfo=UTC), datetime(2018, 10, 31)),
        ("أغسطس 2015", datetime(2015, 8, 1, tzinfo=UTC), datetime(2015, 8, 31)),
        ("إمساكية رمضان 1436", datetime(2015, 6, 18, tzinfo=UTC), datetime(2015, 7, 17)),
    ],
)
def test_a_month_with_a_year_is_a_date_window(words: str, start: datetime, end: datetime) -> None:
    drop, window = find_dates(words.split())
    assert window is not None
    assert window.start == start
    assert window.end.date() == end.date()
    assert all(w in window.text for w in (words.split()[i] for i in drop))


@pytest.mark.parametrize("words", ["مارس الرياضة", "سبتمبر", "2018 سبتمبر", "سبتمبر 3000"])
def test_no_date_without_month_then_year(words: str) -> None:
    assert find_dates(words.split()) == ([], None)


def test_word_forms_go_from_verb_to_noun_and_between_singular_and_plural() -> None:
    assert "انخفاض" in form_candidates("تنخفض")
    assert "انسحاب" in form_candidates("تنسحب")
    assert "استقاله" in form_candidates("يستقيل")
    assert "الغاء" in form_candidates("يلغي")
    assert "زلازل" in form_candidates("زلزال")
    assert "زلزال" in form_candidates("الزلازل")
    # A noun does not lead to verbs, and three-letter nouns are left alone (مصر/مصور).
    assert form_candidates("انفجار") == []
    assert form_candidates("مصر") == []


def test_spelling_candidates_are_transliteration_changes() -> None:
    assert "ترامب" in spelling_candidates("ترمب")
    assert "انجرليك" in spelling_candidates("انجيرليك")
    assert "جوجل" in spelling_candidates("قوقل")
    assert "سروج" in spelling_candidates("سروتش")
    assert "يلقي" not in spelling_candidates("يلغي")  # one "g" letter only in longer words


# --- end to end -------------------------------------------------------------------------------


def _article(i: int, title: str, body: str, published: str = "2015-08-01T10:00:00Z") -> Any:
    return {"id": f"a{i:03d}", "title": title, "body": body, "source": "test",
            "published": published}  # fmt: skip


FILLER = "قال المسؤول إن الوضع مستقر في المنطقة وإن الجهات المعنية تتابع التطورات عن قرب"


@pytest.fixture(scope="module")
def index() -> NewsIndex:
    docs = []
    n = 0

    def add(title: str, body: str, published: str = "2015-08-01T10:00:00Z") -> None:
        nonlocal n
        docs.append(_article(n, title, body, published))
        n += 1

    for i in range(4):
        add(f"مايكروسوفت تطلق ويندوز 10 رسميا {i}", f"أطلقت الشركة نظام ويندوز الجديد. {FILLER}")
    for i in range(6):
        add(f"انفجار في بلدة سوروتش التركية {i}", f"قتلى في انفجار سوروتش قرب الحدود. {FILLER}")
    add("سروتش", f"خبر قصير. {FILLER}")
    for i in range(5):
        add(f"هجمات جديدة لجماعة بوكو حرام {i}", f"شنت بوكو حرام هجمات في نيجيريا. {FILLER}")
    add("بوكوحرام", f"خبر. {FILLER}")
    for i in range(4):
        add(f"انسحاب القوات من المدينة {i}", f"أعلن الجيش انسحاب القوات. {FILLER}")
    add("انتخابات البلدية تنطلق غدا", f"انتخابات في المدن. {FILLER}", "2018-09-12T10:00:00Z")
    add("انتخابات البلدية تنطلق", f"انتخابات في المدن. {FILLER}", "2018-05-12T10:00:00Z")
    for i in range(20):
        add(f"أخبار متفرقة {i}", f"{FILLER} رقم {i}")
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    return ix


def _ids(index: NewsIndex, query: str, **options: Any) -> tuple[list[str], Any]:
    # Feedback off unless asked: each expansion is tested alone (feedback has its own tests).
    options.setdefault("feedback", "off")
    with index.searcher() as s:
        r = s.search(query, limit=20, highlight=False, suggest=False, fuzzy_fallback=False,
                     **options)  # fmt: skip
    return [h.title for h in r], r


def _kinds(results: Any) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for e in results.expansions:
        out[e.kind] = out.get(e.kind, ()) + e.added
    return out


def test_a_latin_word_finds_its_arabic_spelling(index: NewsIndex) -> None:
    titles, r = _ids(index, "Windows")
    assert len(titles) == 4 and all("ويندوز" in t for t in titles)
    assert _kinds(r)["script"] == ("ويندوز",)
    assert r.to_dict()["expansions"][0]["kind"] == "script"
    assert _ids(index, "Windows", cross_script=False)[0] == []


def test_a_rare_spelling_of_a_name_finds_the_common_one(index: NewsIndex) -> None:
    titles, r = _ids(index, "سروتش")
    assert sum("سوروتش" in t for t in titles) == 6
    assert "سوروتش" in _kinds(r)["spelling"]
    assert _ids(index, "سروتش", variants=False)[0] == ["سروتش"]


def test_the_spelling_typed_comes_first_within_the_word() -> None:
    # One article has the spelling typed once, deep in its body; five have the common
    # spelling in the title and three times in the body. They match, and follow it.
    docs = [_article(0, "تقرير عن المعتقلين", f"{FILLER} وذكر التقرير معتقل غوانتنامو. {FILLER}")]
    common = "غوانتانامو"
    for i in range(1, 6):
        body = f"نقل سجناء {common} وإغلاق {common} قريبا، قال مسؤول عن {common}. {FILLER}"
        docs.append(_article(i, f"سجن {common} {i}", body))
    docs += [_article(10 + i, f"أخبار متفرقة {i}", f"{FILLER} رقم {i}") for i in range(20)]
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    titles, r = _ids(ix, "غوانتنامو")
    assert titles[0] == "تقرير عن المعتقلين"
    assert sum(common in t for t in titles) == 5
    assert common in _kinds(r)["spelling"]
    # Next to another word, the spelling typed does not outweigh it: the articles with the
    # common spelling and the other word come first.
    titles, _ = _ids(ix, "غوانتنامو سجناء")
    assert all(common in t for t in titles[:5])
    # A scorer that cannot rank within a word multiplies the typed spelling's score instead.
    titles, _ = _ids(ix, "غوانتنامو", scorer="tfidf")
    assert "تقرير عن المعتقلين" in titles


def test_a_name_written_joined_finds_it_written_apart(index: NewsIndex) -> None:
    titles, r = _ids(index, "بوكوحرام")
    assert sum("بوكو حرام" in t for t in titles) == 5
    assert "بوكو حرام" in _kinds(r)["spelling"]


def test_a_verb_finds_its_verbal_noun(index: NewsIndex) -> None:
    titles, r = _ids(index, "تنسحب القوات")
    assert titles[:4] and all("انسحاب" in t for t in titles[:4])
    assert _kinds(r)["form"] == ("انسحاب",)
    assert "form" not in _kinds(_ids(index, "تنسحب القوات", word_forms=False)[1])


def test_a_month_and_year_prefer_that_month(index: NewsIndex) -> None:
    titles, r = _ids(index, "انتخابات البلدية سبتمبر 2018")
    # September's article first, though May's has the shorter title (and is first without).
    assert titles[:2] == ["انتخابات البلدية تنطلق غدا", "انتخابات البلدية تنطلق"]
    assert _kinds(r)["date"] == ("2018-09-01", "2018-09-30")
    off_titles, off = _ids(index, "انتخابات البلدية سبتمبر 2018", dates=False)
    assert off_titles[0] == "انتخابات البلدية تنطلق"
    assert "date" not in _kinds(off)


def test_feedback_adds_words_of_the_first_results(index: NewsIndex) -> None:
    _, r = _ids(index, "ويندوز", feedback=True, feedback_docs=3, feedback_terms=5)
    added = _kinds(r)["feedback"]
    assert 0 < len(added) <= 5
    assert "feedback" not in _kinds(_ids(index, "ويندوز")[1])


@pytest.fixture(scope="module")
def spellings() -> NewsIndex:
    """Names that outlets spell in two ways about equally often, and two frequent native
    words a consonant apart (مثيرة/مسيرة)."""
    docs = []
    pairs = [("سيمنز", "سيمنس"), ("واتساب", "واتس اب"), ("الفيفا", "فيفا")]
    for a, b in pairs:
        for spelling in (a, b):
            for i in range(3):
                docs.append(
                    _article(
                        len(docs), f"خبر عن {spelling} {i}", f"قالت {spelling} اليوم. {FILLER}"
                    )
                )
    for word in ("مثيرة", "مسيرة"):
        for i in range(25):
            docs.append(_article(len(docs), f"{word} {i}", f"{word} في المدينة. {FILLER}"))
    docs += [_article(len(docs), f"أخبار متفرقة {i}", f"{FILLER} رقم {i}") for i in range(20)]
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    return ix


@pytest.mark.parametrize(
    ("typed", "other"),
    [("سيمنز", "سيمنس"), ("سيمنس", "سيمنز"), ("واتساب", "واتس اب"), ("واتس اب", "واتساب"),
     ("الفيفا", "فيفا"), ("فيفا", "الفيفا")],
)  # fmt: skip
def test_a_name_finds_its_other_spelling_of_about_the_same_frequency(
    spellings: NewsIndex, typed: str, other: str
) -> None:
    # A consonant (س/ز), written joined or apart, with the article (which the stemmer cuts
    # apart: فيفا -> فيف, الفيفا -> فيفا).
    _assert_both_spellings_typed_first(spellings, typed, other)


def _assert_both_spellings_typed_first(index: NewsIndex, typed: str, other: str) -> None:
    """The three articles of each spelling are found, the spelling typed first; without
    variants only the typed one's."""
    titles, r = _ids(index, typed)
    assert len(titles) == 6
    assert all(t.startswith(f"خبر عن {typed} ") for t in titles[:3])
    assert all(t.startswith(f"خبر عن {other} ") for t in titles[3:])
    assert r.expansions
    assert len(_ids(index, typed, variants=False)[0]) == 3


def test_frequent_native_words_a_consonant_apart_stay_apart(spellings: NewsIndex) -> None:
    titles, r = _ids(spellings, "مثيرة")
    assert titles and all("مثيرة" in t for t in titles)
    assert not r.expansions


# --- foreign names and native words (loanwords) ---------------------------------------------


def test_foreign_candidates_change_vowels_nh_and_a_french_h() -> None:
    assert "ديفيد" in foreign_candidates("دافيد")
    assert "السوفييتي" in foreign_candidates("السوفياتي")
    assert "مورينهو" in foreign_candidates("مورينيو")
    assert "هولاند" in foreign_candidates("اولاند")
    assert foreign_candidates("بلد") == []


def test_a_word_looks_native_when_its_root_has_other_forms_in_the_index() -> None:
    known = {"بلاد", "بلدان", "بليد", "شريك", "اشتراك", "مشترك", "ديفيد"}

    def df(stem: str) -> int:
        return 5 if stem in known else 0

    assert looks_native("البلديه", "بلد", df)
    assert looks_native("مشاركه", "مشارك", df)
    assert not looks_native("دافيد", "دافيد", df)
    assert not looks_native("الفلبين", "فلبين", df)
    assert roots_of("قواعد") & roots_of("قاعده", "قاعد")  # a plural shares its root
    assert not roots_of("كمال") & roots_of("جمال")


def test_the_native_word_memo_keeps_each_stem_apart() -> None:
    # The vocabulary remembers whether a word looks native; the stem is part of the question
    # (the same surface word comes with its own stem and, as a variant, as its own stem): the
    # memo once kept the first caller's answer for both, so a plan depended on call order.
    known = {"بلاد", "بلدان", "بليد"}

    class Vocabulary:
        native_words = WordMemo(10)

        def frequency(self, field: str, token: str) -> int:
            return 5 if token in known else 0

    vocabulary, analyzers = Vocabulary(), {"body": None}
    assert looks_native("دافيد", "بلد", lambda t: vocabulary.frequency("body", t))
    assert word_looks_native("دافيد", "بلد", analyzers, vocabulary)
    assert not word_looks_native("دافيد", "دافيد", analyzers, vocabulary)
    assert word_looks_native("دافيد", "بلد", analyzers, vocabulary)


@pytest.fixture(scope="module")
def loanwords() -> NewsIndex:
    """Foreign names in two spellings a vowel apart, and native words with their roots' other
    forms: جمال and كمال (a "g" letter apart), البلدية and بليد (a vowel apart)."""
    docs: list[dict[str, Any]] = []

    def add(word: str, n: int = 3) -> None:
        for i in range(n):
            docs.append(_article(len(docs), f"خبر عن {word} {i}", f"قال {word} اليوم. {FILLER}"))

    for word in ("ديفيد", "دافيد", "الفلبين", "الفيليبين", "مورينيو", "مورينهو"):
        add(word)
    for word in ("جمال", "كمال", "جميل", "الجمل", "اجمالي", "كامل", "اكمال", "تكميل"):
        add(word)
    for word in ("البلدية", "بليد", "البلاد", "البلدان"):
        add(word)
    docs += [_article(len(docs), f"أخبار متفرقة {i}", f"{FILLER} رقم {i}") for i in range(30)]
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    return ix


@pytest.mark.parametrize(
    ("typed", "other"),
    [("ديفيد", "دافيد"), ("دافيد", "ديفيد"), ("الفلبين", "الفيليبين"),
     ("الفيليبين", "الفلبين"), ("مورينيو", "مورينهو"), ("مورينهو", "مورينيو")],
)  # fmt: skip
def test_a_foreign_name_finds_its_spelling_with_vowels_heard_differently(
    loanwords: NewsIndex, typed: str, other: str
) -> None:
    _assert_both_spellings_typed_first(loanwords, typed, other)


@pytest.mark.parametrize(("typed", "other"), [("جمال", "كمال"), ("كمال", "جمال"),
                                              ("البلدية", "بليد")])  # fmt: skip
def test_a_native_word_does_not_find_its_neighbour_of_another_root(
    loanwords: NewsIndex, typed: str, other: str
) -> None:
    titles, _ = _ids(loanwords, typed)
    assert titles and not any(other in t for t in titles)


@pytest.fixture(scope="module")
def split_names() -> NewsIndex:
    """A name written joined, and split: in the lead of some articles, only deep in the body
    (past the lead whose word pairs are indexed) of others; a native half (بكر) elsewhere."""
    docs: list[dict[str, Any]] = []
    deep = " ".join([FILLER] * 8)

    def add(title: str, body: str) -> None:
        docs.append(_article(len(docs), title, body))

    for i in range(3):
        add(f"خبر عن فيسبوك {i}", f"قالت فيسبوك اليوم. {FILLER}")
        add(f"خبر أول {i}", f"قالت شركة فيس بوك اليوم. {FILLER}")
        add(f"خبر آخر {i}", f"{deep} ونشرت على فيس بوك صورا.")
        add(f"خبر عن دياربكر {i}", f"في دياربكر اليوم. {FILLER}")
    for i in range(2):
        add(f"خبر من ديار بكر {i}", f"في ديار بكر اليوم. {FILLER}")
    for i in range(20):
        add(f"مسجد أبي بكر {i}", f"صلى الناس في مسجد أبي بكر. {FILLER}")
    docs += [_article(len(docs), f"أخبار متفرقة {i}", f"{FILLER} رقم {i}") for i in range(20)]
    ix = NewsIndex.in_memory()
    ix.ingest(docs, progress=False)
    return ix


def test_a_joined_name_finds_its_split_spelling_past_the_lead(split_names: NewsIndex) -> None:
    titles, r = _ids(split_names, "فيسبوك")
    assert all(t.startswith("خبر عن فيسبوك") for t in titles[:3])
    assert sum(t.startswith("خبر آخر") for t in titles) == 3  # "فيس بوك" past the lead
    assert "فيس" in _kinds(r)["spelling"]


def test_a_half_that_is_a_word_of_its_own_does_not_stand_for_the_name(
    split_names: NewsIndex,
) -> None:
    titles, _ = _ids(split_names, "دياربكر")
    assert sum(t.startswith("خبر من ديار بكر") for t in titles) == 2
    assert not any(t.startswith("مسجد") for t in titles)


def test_a_snapshot_remembers_a_words_spellings(
    index: NewsIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word's spelling expansions are worked out once per snapshot (plan._spellings): the
    same query again gives the same answer without making the candidates again."""
    import newsearch.plan as plan

    calls: list[str] = []
    neighbours: list[str] = []
    real, real_native = plan.spelling_terms, plan._native_neighbours

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return real(text, *args, **kwargs)

    def counted_native(text: str, *args: Any) -> Any:
        neighbours.append(text)
        return real_native(text, *args)

    monkeypatch.setattr(plan, "spelling_terms", counted)
    monkeypatch.setattr(plan, "_native_neighbours", counted_native)  # plan._variant_words
    with index.searcher() as s:
        first = s.search("سروتش", limit=20, highlight=False, suggest=False)
        assert calls == ["سروتش"] and neighbours == ["سروتش"]
        again = s.search("سروتش", limit=20, highlight=False, suggest=False)
    assert calls == ["سروتش"] and neighbours == ["سروتش"]
    assert [h.id for h in again] == [h.id for h in first] and len(first) >= 6
    assert again.expansions == first.expansions
