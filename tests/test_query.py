"""The search-box parser: never raises, bounded, and reports what it repaired."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsearch.query import MAX_QUERY_TERMS, ParsedQuery, parse_query


def codes(q: ParsedQuery) -> list[str]:
    return [p.code for p in q.problems]


def test_syntax() -> None:
    q = parse_query('ترامب "كوريا الشمالية" -صواريخ -"بيونغ يانغ" source:BBC category:sport')
    assert q.groups == (("ترامب",),)
    assert q.phrases == (("كوريا", "الشمالية"),)
    assert q.excluded == (("صواريخ",), ("بيونغ", "يانغ"))
    assert q.filters == {"source": ("BBC",), "category": ("sport",)}
    assert q.problems == ()
    assert q.words == ("ترامب", "كوريا", "الشمالية")


def test_or_groups_and_operator() -> None:
    q = parse_query("عقوبات OR حظر OR منع ايران", operator="and")
    assert q.groups == (("عقوبات", "حظر", "منع"), ("ايران",)) and q.operator == "and"
    assert parse_query("OR ايران OR").groups == (("ايران",),)
    assert parse_query("or ايران").groups == (("or",), ("ايران",))  # only upper-case OR


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('"كوريا الشمالية', "unclosed-quote"),
        ("lang:ar ترامب", "unknown-field"),
        ("-source:BBC ترامب", "negative-filter"),
        ("source: ترامب", "empty-filter"),
        ("ترام*", "wildcard-disabled"),
        ("ترامب~", "fuzzy-disabled"),
        ("- ترامب", "lone-operator"),
        ("ترامب -ترامب", "conflict"),
        ("x" * 600, "too-long"),
        ("a\x00b", "control-characters"),
    ],
)
def test_repairs_are_reported(text: str, code: str) -> None:
    assert code in codes(parse_query(text))


def test_unknown_field_is_searched_as_words() -> None:
    q = parse_query("lang:ar ترامب")
    assert q.groups == (("lang",), ("ar",), ("ترامب",))


def test_enabled_expansions() -> None:
    q = parse_query("ترام* ترامب~", allow_wildcards=True, allow_fuzzy=True)
    assert q.wildcards == ("ترام",) and q.fuzzy == ("ترامب",) and not q.problems


def test_arabic_question_mark_and_punctuation_are_not_syntax() -> None:
    q = parse_query("ما هو أطول نهر في العالم؟")
    assert q.groups[-1] == ("العالم",) and not q.problems
    assert parse_query("«الحكومة» (المصرية)").phrases == ()
    assert parse_query("«الحكومة المصرية»").phrases == (("الحكومة", "المصرية"),)


def test_diacritics_and_tatweel_stay_inside_words() -> None:
    assert parse_query("الحُكومةُ الـمصرية").groups == (("الحُكومةُ",), ("الـمصرية",))


def test_caps() -> None:
    q = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert len(q.words) == MAX_QUERY_TERMS and "too-many-terms" in codes(q)
    q = parse_query("source:" + " source:".join(f"s{i}" for i in range(40)) + " x")
    assert len(q.filters["source"]) == 16 and "too-many-filters" in codes(q)


def test_not_text() -> None:
    for value in (None, 42, b"bytes", ["list"]):
        q = parse_query(value)
        assert "not-text" in codes(q)
    assert parse_query("").is_empty and parse_query("   ").problems == ()


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_and_stays_bounded(text: str) -> None:
    q = parse_query(text)
    assert isinstance(q, ParsedQuery)
    assert len(q.words) + sum(len(e) for e in q.excluded) <= MAX_QUERY_TERMS
    for w in q.words:
        assert w and not any(c.isspace() for c in w)
        assert not set(w) & set('"“”«»:*~()')
    q.to_dict()  # serializable


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ترامب", "كوريا", "الحكومةُ", "OR", "-", '"', "source:BBC", "x*", "?"]),
        max_size=12,
    )
)
def test_never_raises_on_syntax_soup(parts: list[str]) -> None:
    q = parse_query(" ".join(parts))
    assert all(len(g) >= 1 for g in q.groups)
