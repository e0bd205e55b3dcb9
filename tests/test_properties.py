"""Properties of normalization and analysis that must hold for any text (hypothesis)."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import CompositeAnalyzer

from newsearch.analysis import (
    WORD_PATTERN,
    NewsAnalyzer,
    analyzer_names,
    arabic_analyzer,
    build_analyzer,
    stopword_list,
)
from newsearch.normalize import HARAKAT, IGNORABLE_CHARS, TATWEEL, NormalizeOptions, normalize

SETTINGS = settings(max_examples=300, deadline=None, database=None)

# --- strategies ------------------------------------------------------------------------------

ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x064B)] + list("ٱیکۀہەپچژگ")
MARKS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u06d6", "\u06ed", "\u0610"]
INVISIBLE = [
    TATWEEL,
    "\u200b",  # zero width space
    "\u200c",  # ZWNJ
    "\u200d",  # ZWJ
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
]
DIGITS = [chr(c) for c in range(0x0660, 0x066A)] + [chr(c) for c in range(0x06F0, 0x06FA)]
OTHER = [*"0123456789aZéΣσ ", " ", " ", "\n", "\t", *"،؛؟«».,٫٬٪#-_()\"'"]
arabic_chars = st.one_of(
    st.sampled_from(ARABIC_LETTERS),
    st.sampled_from(ARABIC_LETTERS),
    st.sampled_from(MARKS),
    st.sampled_from(INVISIBLE),
    st.sampled_from(DIGITS),
    st.sampled_from(OTHER),
    st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),
    st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFC),
)
#: Text biased to what Arabic news looks like, with every awkward character mixed in.
arabic_text = st.text(arabic_chars, max_size=80)
#: Real news words (with harakat, hamza, prefixes), stop words and ligatures, joined by
#: separators: exercises stop-word gaps, stemming and multi-word ligatures.
NEWS_WORDS = [
    "الحكومةُ",
    "والحكومة",
    "للحكومة",
    "حكومات",
    "بيانها",
    "أكّدت",
    "الرئيس",
    "الروسي",
    "بوتين",
    "ماكرون",
    "مَدْرَسَةٌ",
    "الحمــــد",
    "كتاب\u200cها",
    "٢٠١٨",
    "٣٫٥",
    "3.5",
    "iPhone",
    "#ماكرون",
    "ﷺ",
    "ﻻ",
    "ﺍﻟﻌﺮﺑﻴﺔ",
    "تشوي",
    "هي",
]
news_text = st.lists(
    st.one_of(
        st.sampled_from(NEWS_WORDS),
        st.sampled_from(sorted(stopword_list("arabic"))),
        arabic_text,
    ),
    max_size=12,
).flatmap(
    lambda words: st.lists(
        st.sampled_from([" ", " ", "، ", "\n", ".", "\u200f ", "«", "» "]),
        min_size=len(words),
        max_size=len(words),
    ).map(lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True)))
)
#: Anything: all of Unicode (hypothesis' default alphabet), Arabic-biased text, news text.
any_text = st.one_of(st.text(max_size=80), arabic_text, news_text)
#: Also lone surrogates and C0/C1 control characters: a Python str may hold them.
hostile_text = st.one_of(
    any_text,
    st.text(
        st.one_of(
            st.characters(),
            st.integers(0xD800, 0xDFFF).map(chr),
            st.integers(0, 0x1F).map(chr),
            st.integers(0x7F, 0x9F).map(chr),
            arabic_chars,
        ),
        max_size=80,
    ),
)

# --- analyzers -------------------------------------------------------------------------------

#: newsearch's own analyzers (the whoosh-* ones are stock Whoosh, kept for comparison).
NEWSEARCH_ANALYZERS = ["light", "exact", "snowball", "isri", "lucene-light", "lucene"]
_BUILT = {name: build_analyzer(name) for name in NEWSEARCH_ANALYZERS}
#: What no term may contain. The `lucene` emulation removes only what Lucene's normalizer does
#: (harakat, tatweel): it keeps zero-width/bidi controls, superscript alef and Quranic marks.
_MUST_NOT_CONTAIN = {name: frozenset(IGNORABLE_CHARS) for name in NEWSEARCH_ANALYZERS} | {
    "lucene": frozenset(HARAKAT + TATWEEL)
}
EXACT_ALL = arabic_analyzer(stemmer="none", stopwords=False)
_WORD_RE = re.compile(WORD_PATTERN)


def test_every_newsearch_analyzer_is_registered():
    names = analyzer_names()
    assert set(NEWSEARCH_ANALYZERS) <= set(names)
    assert {"whoosh-standard", "whoosh-language"} <= set(names)


def _check_offsets(tokens: list[tuple[str, int, int, int]], text: str) -> None:
    previous_start = -1
    for _, _, start, end in tokens:
        assert 0 <= start < end <= len(text)
        assert start >= previous_start
        previous_start = start


# --- normalize -------------------------------------------------------------------------------


@SETTINGS
@given(any_text)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("options", [NormalizeOptions.lucene(), NormalizeOptions.minimal()])
@SETTINGS
@given(text=any_text)
def test_normalize_is_idempotent_with_other_options(options, text):
    once = normalize(text, options)
    assert normalize(once, options) == once


@SETTINGS
@given(arabic_text)
def test_normalize_removes_every_ignorable_character(text):
    assert not set(normalize(text)) & set(IGNORABLE_CHARS)


# --- analysis never fails, terms are clean ---------------------------------------------------


@pytest.mark.parametrize("name", NEWSEARCH_ANALYZERS)
@settings(SETTINGS, max_examples=200)
@given(text=hostile_text)
def test_analysis_never_raises_and_terms_are_clean(name, text):
    an = _BUILT[name]
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in an(text, positions=True, chars=True)]
    forbidden = _MUST_NOT_CONTAIN[name]
    for term, *_ in tokens:
        assert term
        assert not set(term) & forbidden
    _check_offsets(tokens, text)
    positions = [pos for _, pos, _, _ in tokens]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", NEWSEARCH_ANALYZERS)
def test_analysis_of_surrogates_escaped_and_raw(name):
    an = _BUILT[name]
    raw = "كتاب\ud800ها \udfff مدرسة\ud83d"  # lone surrogates inside a str
    escaped = raw.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    assert "\\xed" in escaped  # the surrogates came back as visible escapes
    for text in (raw, escaped):
        tokens = [
            (t.text, t.pos, t.startchar, t.endchar) for t in an(text, positions=True, chars=True)
        ]
        assert tokens
        _check_offsets(tokens, text)
        # A surrogate is no letter: it separates words and is never part of a term.
        assert not any("\ud800" <= c <= "\udfff" for term, *_ in tokens for c in term)


_WORDS = [
    "أكدت",
    "الحكومةُ",
    "في",
    "بيانها",
    "الرسمي",
    "أن",
    "الاقتصادَ",
    "المصري",
    "ينمو",
    "بنسبة",
    "٣٫٥",
    "عام",
    "2024",
    "iPhone",
]
_MB = 1_000_000


def _one_megabyte_texts() -> dict[str, tuple[str, int]]:
    """name -> (text of ~1 MB, number of surface words in it)."""
    mixed_words = list(itertools.islice(itertools.cycle(_WORDS), _MB // 6))
    mixed = " ".join(mixed_words)
    cut = mixed.rfind(" ", 0, _MB)
    mixed = mixed[:cut]
    no_spaces = ("الحكومةُـ" * (_MB // 9 + 1))[:_MB]
    return {"mixed": (mixed, mixed.count(" ") + 1), "no_spaces": (no_spaces, 1)}


_BIG = _one_megabyte_texts()


@pytest.mark.parametrize("kind", sorted(_BIG))
def test_one_megabyte_of_text(kind):
    text, n_words = _BIG[kind]
    assert len(text.encode("utf-8")) >= _MB
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in EXACT_ALL(text, positions=True, chars=True)
    ]
    assert len(tokens) == n_words
    _check_offsets(tokens, text)
    assert [pos for _, pos, _, _ in tokens[:5]] == list(range(min(5, n_words)))
    if kind == "no_spaces":
        assert tokens[0][2:] == (0, len(text))
        assert TATWEEL not in tokens[0][0]
    else:
        assert tokens[-1][3] == len(text)
    for name in ("light", "snowball", "lucene"):
        stemmed = [(t.startchar, t.endchar) for t in _BUILT[name](text, chars=True)]
        assert 0 < len(stemmed) <= n_words
        assert all(0 <= s < e <= len(text) for s, e in stemmed)


# --- offsets and positions -------------------------------------------------------------------


@SETTINGS
@given(any_text)
def test_offsets_slice_the_original_text_to_the_token_source(text):
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in EXACT_ALL(text, positions=True, chars=True)
    ]
    _check_offsets(tokens, text)
    previous_span = None
    for i, (term, pos, start, end) in enumerate(tokens):
        assert term in _WORD_RE.findall(normalize(text[start:end]))
        # No stop words removed: positions run 0, 1, 2, ... (a ligature such as ﷺ yields several
        # words from one surface word, each with its own position).
        assert pos == i
        if previous_span is not None and (start, end) != previous_span:
            assert start >= previous_span[1]  # surface words never overlap
        previous_span = (start, end)


# Not newsearch's: CPython lowercases a final capital sigma by its context, and a word's context
# differs from the whole text's ("ΑΣ.Β".lower() keeps σ, "ΑΣ".lower() gives ς).
def _without_known_gaps(text: str) -> str:
    return text.replace("Σ", "σ")


@SETTINGS
@given(any_text.map(_without_known_gaps))
def test_tokens_of_text_equal_tokens_of_normalized_text(text):
    # The tokenizer finds words in the original text and normalizes each; that must give the
    # words of the normalized text, or a query (normalized first) would miss indexed words.
    assert [t.text for t in EXACT_ALL(text)] == [t.text for t in EXACT_ALL(normalize(text))]


# --- the fused analyzer is the unfused chain -------------------------------------------------


_FUSED = {
    stemmer: arabic_analyzer(stemmer=stemmer) for stemmer in ("light", "snowball", "lucene-light")
} | {
    "none": arabic_analyzer(stemmer="none"),
    "light+exclusions+own stopwords": arabic_analyzer(
        stopwords=["الحكومه", "بوتين", "في"], stem_exclusions=["للحكومه", "بيانها"]
    ),
}


@pytest.mark.parametrize("config", sorted(_FUSED))
@SETTINGS
@given(
    text=any_text,
    start_pos=st.integers(0, 5),
    start_char=st.integers(0, 5),
    no_morph=st.booleans(),
    chars=st.booleans(),
)
def test_fused_analyzer_equals_unfused_chain(config, text, start_pos, start_char, no_morph, chars):
    # chars=False is how Whoosh indexes (positions only), chars=True how it highlights: the fused
    # loop has a path for each.
    fused = _FUSED[config]
    assert isinstance(fused, NewsAnalyzer)
    unfused = CompositeAnalyzer(*fused.items)  # the same parts, run one after the other
    assert type(unfused) is CompositeAnalyzer

    def run(an):
        return [
            (t.text, t.pos) + ((t.startchar, t.endchar) if chars else ())
            for t in an(
                text,
                positions=True,
                chars=chars,
                start_pos=start_pos,
                start_char=start_char,
                no_morph=no_morph,
            )
        ]

    assert run(fused) == run(unfused)


@SETTINGS
@given(text=any_text)
def test_keeporiginal_gives_the_surface_word(text):
    an = _FUSED["light"]
    for t in an(text, chars=True, keeporiginal=True):
        assert t.original == text[t.startchar : t.endchar]


@SETTINGS
@given(texts=st.lists(any_text, min_size=1, max_size=4), pick=st.integers(1, 3))
def test_highlight_memo_marks_a_text_seen_again_as_a_new_one(texts, pick):
    # A highlighting memo remembers the texts whose words it has analyzed; a text seen again
    # (or one whose words another text brought) must be marked exactly as with an empty memo.
    from newsearch.highlight import _matches

    an = _FUSED["light"]
    forms = sorted({t.text for text in texts for t in an(text, mode="index")})
    terms = forms[::pick]
    memo: dict = {}
    for text in texts + texts[::-1]:
        assert _matches(text, terms, an, memo) == _matches(text, terms, an, {})
