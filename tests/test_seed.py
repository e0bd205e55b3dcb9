"""The seed article (tests/data/seed): real scraped news text with its usual mess."""

from __future__ import annotations

import re

import pytest

from newsearch.analysis import analyze, arabic_analyzer, stopword_list
from newsearch.normalize import IGNORABLE_CHARS, normalize

EXACT_ALL = arabic_analyzer(stemmer="none", stopwords=False)


def _terms(text, analyzer="light"):
    return [(t.text, t.position) for t in analyze(text, analyzer)]


# --- one name, three spellings ---------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["تشو سون هوي", "تشو سون هي", "تشوي سون هوي"])
def test_the_article_has_the_three_spellings(seed_article, spelling):
    assert spelling in seed_article


def test_name_spellings_with_and_without_final_yeh_conflate():
    # تشوي and تشو differ in exact analysis; the light stemmer joins them.
    assert _terms("تشوي سون هوي", EXACT_ALL) == [("تشوي", 0), ("سون", 1), ("هوي", 2)]
    assert _terms("تشو سون هوي", EXACT_ALL) == [("تشو", 0), ("سون", 1), ("هوي", 2)]
    assert _terms("تشو سون هوي") == _terms("تشوي سون هوي") == [("تشو", 0), ("سون", 1), ("هوي", 2)]


def test_known_limitation_name_part_that_is_a_stop_word_disappears():
    # هي is the Arabic stop word "she": the third spelling loses its last part (a position gap
    # is left). Matching name variants (هي / هوي) is the search layer's job, not analysis'.
    assert "هي" in stopword_list("arabic")
    assert _terms("تشو سون هي") == [("تشو", 0), ("سون", 1)]
    assert _terms("تشو سون هي", EXACT_ALL) == [("تشو", 0), ("سون", 1), ("هي", 2)]


def test_the_three_spellings_in_the_article(seed_article):
    by_source: dict[str, set[str]] = {}
    for t in analyze(seed_article, "light"):
        by_source.setdefault(t.source, set()).add(t.text)
    assert by_source["تشو"] == by_source["تشوي"] == {"تشو"}
    assert by_source["هوي"] == {"هوي"}
    assert "هي" not in by_source  # removed everywhere as a stop word


def test_kim_jong_un_hamza_is_folded(seed_article):
    assert seed_article.count("كيم جونج أون") == 3
    expected = [("كيم", 0), ("جونج", 1), ("اون", 2)]
    assert _terms("كيم جونج أون") == _terms("كيم جونج اون") == expected
    assert _terms("كيم جونج أون", EXACT_ALL) == expected


# --- site furniture ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "light_terms"),
    [
        (
            "0 تعليق ارسل طباعة تبليغ حذف",
            [("0", 0), ("تعليق", 1), ("ارسل", 2), ("طباع", 3), ("تبليغ", 4), ("حذف", 5)],
        ),
        (
            # عبر ("via") is a stop word; the Latin words are kept, lowercase.
            "تابع أحدث الأخبار عبر تطبيق google news",
            [("تابع", 0), ("احدث", 1), ("اخبار", 2), ("تطبيق", 4), ("google", 5), ("news", 6)],
        ),
        # لك ("for you") is a stop word; the hamza of إخترنا is folded.
        ("إخترنا لك", [("اخترن", 0)]),
        # ذات is a stop word.
        ("أخبار ذات صلة", [("اخبار", 0), ("صله", 2)]),
    ],
)
def test_boilerplate_lines(seed_article, line, light_terms):
    assert line in seed_article
    assert _terms(line) == light_terms


def test_hamza_spelling_variants_index_alike():
    # إخترنا is a common misspelling of اخترنا: both give the same terms.
    for analyzer in ("light", "exact"):
        assert _terms("إخترنا", analyzer) == _terms("اخترنا", analyzer)
    assert _terms("إخترنا", "exact") == [("اخترنا", 0)]


def test_latin_words_match_in_any_case():
    assert _terms("Google News") == _terms("google news") == [("google", 0), ("news", 1)]


# --- marks, quotes, parentheses --------------------------------------------------------------


def test_tanween_word(seed_article):
    assert "دائمًا" in seed_article
    [exact] = analyze("دائمًا", "exact")
    assert exact.text == "دايما"
    assert "\u064b" not in exact.text
    assert exact.source == "دائمًا"  # the source keeps the tanween
    [light] = analyze("دائمًا", "light")
    assert light.text == "دايم"  # accusative alef stripped too
    hits = [t for t in analyze(seed_article, "exact") if t.text == "دايما"]
    assert [t.source for t in hits] == ["دائمًا"]


def test_quotes_and_parentheses_separate_words(seed_article):
    assert '"كل شيء يسير وفق الخطة"' in seed_article
    assert [t.source for t in analyze('"كل شيء يسير وفق الخطة"', EXACT_ALL)] == [
        "كل",
        "شيء",
        "يسير",
        "وفق",
        "الخطة",
    ]
    tokens = analyze(seed_article, EXACT_ALL)
    sources = [t.source for t in tokens]
    assert "وونسان" in sources
    assert "تحرير" in sources
    for t in tokens:
        assert not set(t.source) & set('"()،.:'), t


# --- the whole article -----------------------------------------------------------------------


@pytest.mark.parametrize("analyzer", ["light", "exact", "snowball", "lucene"])
def test_every_token_source_is_the_article_slice_at_its_offsets(seed_article, analyzer):
    tokens = analyze(seed_article, analyzer)
    assert tokens
    for t in tokens:
        assert 0 <= t.start < t.end <= len(seed_article)
        assert seed_article[t.start : t.end] == t.source
        assert not t.source[0].isspace() and not t.source[-1].isspace()


def test_exact_terms_are_the_normalized_source_words(seed_article):
    for t in analyze(seed_article, EXACT_ALL):
        assert t.text in normalize(t.source).split()
        assert not set(t.text) & set(IGNORABLE_CHARS)


def test_article_term_counts(seed_article):
    words = re.findall(r"\w+", normalize(seed_article))
    n_stop = sum(w in stopword_list("arabic") for w in words)
    everything = analyze(seed_article, EXACT_ALL)
    assert len(everything) == len(words) > 300
    assert 50 < n_stop < len(words) // 2
    # Stop words go, stemming never drops a word.
    for analyzer in ("light", "exact", "snowball", "isri", "lucene-light"):
        assert len(analyze(seed_article, analyzer)) == len(words) - n_stop
    light = analyze(seed_article, "light")
    assert len({t.text for t in light}) < len({t.text for t in analyze(seed_article, "exact")})
