"""newsearch against the reference vectors in tests/data/anchors (see its README.md).

Each data row runs as its own test (id: file line and row). Where newsearch differs from the
reference on purpose, the test says so in its name and asserts our behaviour explicitly.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable

import pytest
import snowballstemmer

from newsearch.analysis import analyze, arabic_analyzer, build_analyzer, stopword_list
from newsearch.normalize import IGNORABLE_CHARS, NormalizeOptions, normalize
from newsearch.stemmers import get_stemmer

Row = list[str]

LUCENE = "anchors/lucene_arabic_vectors.tsv"
CHARABIA = "anchors/charabia_arabic_vectors.tsv"
STEMMERS = "anchors/stemmer_comparison.tsv"
PROBES = "anchors/python_stack_probes.tsv"

#: Exact analysis with nothing removed: normalized words, no stop words, no stemming.
EXACT_ALL = arabic_analyzer(stemmer="none", stopwords=False)


def _texts(analyzer: object, text: str) -> list[str]:
    return [t.text for t in analyze(text, analyzer)]


def _is(name: str) -> Callable[[Row], bool]:
    return lambda row: row[0] == name


def _starts(prefix: str) -> Callable[[Row], bool]:
    return lambda row: row[0].startswith(prefix)


# --- Lucene ----------------------------------------------------------------------------------

LUCENE_FILTERS: dict[str, Callable[[Row], bool]] = {
    "normalization": _is("ArabicNormalizationFilter"),
    "stem": _is("ArabicStemFilter"),
    "stem_keyword": _starts("ArabicStemFilter[keyword-marked:"),
    "analyzer": _is("ArabicAnalyzer"),
    "analyzer_stopwords": _is("ArabicAnalyzer[stopwords=the,and,a]"),
    "analyzer_stem_exclusion": _starts("ArabicAnalyzer[stopwords=none;stemExclusion="),
    "whitespace_normalization": _is("ArabicNormalizationFilter(whitespace tokens)"),
    "whitespace_normalization_stem": _is(
        "ArabicNormalizationFilter+ArabicStemFilter(whitespace tokens, no stopwords)"
    ),
    "persian_zwnj": _is("PersianCharFilter(ZWNJ->space)+whitespace"),
}


def test_every_lucene_row_is_handled_by_exactly_one_test(tsv):
    rows = tsv(LUCENE)
    assert len(rows) == 54  # the README's count: a truncated file must not pass silently
    for row in rows:
        handlers = [name for name, pred in LUCENE_FILTERS.items() if pred(row)]
        assert len(handlers) == 1, f"row {row[:3]} handled by {handlers}"


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["normalization"])
def test_lucene_normalization_filter(row):
    _, text, expected, _ = row
    assert normalize(text) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["stem"])
def test_lucene_stem_filter(row):
    _, text, expected, _ = row
    assert get_stemmer("lucene-light")(text) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["stem_keyword"])
def test_lucene_keyword_marked_word_is_not_stemmed(row):
    filt, text, expected, _ = row
    match = re.fullmatch(r"ArabicStemFilter\[keyword-marked:(.+)\]", filt)
    assert match is not None
    word = match.group(1)
    an = arabic_analyzer(stemmer="lucene-light", stopwords=False, stem_exclusions=[word])
    assert _texts(an, text) == expected.split() == [word]
    # The exclusion is what keeps it whole: without it the word is stemmed.
    plain = arabic_analyzer(stemmer="lucene-light", stopwords=False)
    assert _texts(plain, text) != [word]


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["analyzer"])
def test_lucene_analyzer(row):
    _, text, expected, _ = row
    assert " ".join(_texts("lucene", text)) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["analyzer_stopwords"])
def test_lucene_analyzer_with_custom_stopwords(row):
    _, text, expected, _ = row
    an = build_analyzer("lucene", stopwords=["the", "and", "a"])
    assert " ".join(_texts(an, text)) == expected
    # Lucene's Arabic list has no English word: with it, "the" is kept.
    assert _texts("lucene", text)[0] == "the"


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["analyzer_stem_exclusion"])
def test_lucene_analyzer_stem_exclusion(row):
    filt, text, expected, _ = row
    match = re.fullmatch(r"ArabicAnalyzer\[stopwords=none;stemExclusion=(.+)\]", filt)
    assert match is not None
    exclusions = [] if match.group(1) == "none" else match.group(1).split(",")
    an = build_analyzer("lucene", stopwords=False, stem_exclusions=exclusions)
    assert " ".join(_texts(an, text)) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["whitespace_normalization"])
def test_lucene_normalization_of_whitespace_tokens(row):
    _, text, expected, _ = row
    assert " ".join(normalize(w) for w in text.split()) == expected
    # Our tokenizer finds the same words (nothing removed, nothing stemmed).
    assert " ".join(_texts(EXACT_ALL, text)) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["whitespace_normalization_stem"])
def test_lucene_normalization_then_stem_of_whitespace_tokens(row):
    _, text, expected, _ = row
    stem = get_stemmer("lucene-light")
    assert " ".join(stem(normalize(w)) for w in text.split()) == expected
    an = arabic_analyzer(stemmer="lucene-light", stopwords=False)
    assert " ".join(_texts(an, text)) == expected


@pytest.mark.tsv(LUCENE, where=LUCENE_FILTERS["persian_zwnj"])
def test_deliberate_difference_from_lucene_zwnj_never_splits_a_word(row):
    _, text, lucene_output, _ = row
    assert "\u200c" in text
    assert len(lucene_output.split()) == 2  # Lucene's Persian char filter makes two words
    # newsearch keeps one word (ZWNJ is invisible inside a word); ی folds to ي.
    tokens = analyze(text, EXACT_ALL)
    assert [t.text for t in tokens] == ["ميخورد"]
    assert (tokens[0].start, tokens[0].end) == (0, len(text))
    assert _texts("exact", text) == ["ميخورد"]


# --- charabia (Meilisearch) ------------------------------------------------------------------

CHARABIA_FILTERS: dict[str, Callable[[Row], bool]] = {
    "normalizer": _is("ArabicNormalizer"),
    "nonspacing_mark": _is("NonspacingMarkNormalizer"),
    "segmenter_raw": _is("ArabicSegmenter(segmented)"),
    "segmenter_normalized": _is("ArabicSegmenter+normalizers(tokenized)"),
}

# The segmenter sentence word by word: charabia's raw segments, charabia's normalized segments,
# and newsearch's term for the word (exact analysis: no stemming, no stop words). charabia cuts
# the article ال off as a segment of its own; newsearch keeps the word whole and leaves the
# article to the stemmer.
SEGMENTER_WORDS: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    ("السلام", ("ال", "سلام"), ("ال", "سلام"), "السلام"),
    ("عليكم", ("عليكم",), ("عليكم",), "عليكم"),
    ("كيف", ("كيف",), ("كيف",), "كيف"),
    ("حالكم", ("حالكم",), ("حالكم",), "حالكم"),
    ("أتمنى", ("أتمنى",), ("اتمني",), "اتمني"),
    ("أن", ("أن",), ("ان",), "ان"),
    ("تكونوا", ("تكونوا",), ("تكونوا",), "تكونوا"),
    ("بأفضل", ("بأفضل",), ("بافضل",), "بافضل"),
    ("ٱلأحوال", ("ٱل", "أحوال"), ("ال", "احوال"), "الاحوال"),
    ("123", ("123",), ("123",), "123"),
    ("456", ("456",), ("456",), "456"),
]


def test_every_charabia_row_is_handled_by_exactly_one_test(tsv):
    rows = tsv(CHARABIA)
    assert len(rows) == 8
    for row in rows:
        handlers = [name for name, pred in CHARABIA_FILTERS.items() if pred(row)]
        assert len(handlers) == 1, f"row {row[:3]} handled by {handlers}"


@pytest.mark.tsv(CHARABIA, where=CHARABIA_FILTERS["normalizer"])
def test_charabia_arabic_normalizer(row):
    _, text, expected, _ = row
    assert normalize(text) == expected


@pytest.mark.tsv(CHARABIA, where=CHARABIA_FILTERS["nonspacing_mark"])
def test_charabia_nonspacing_mark_normalizer(row):
    _, text, expected, _ = row
    assert normalize(text, NormalizeOptions.minimal()) == expected
    assert "أ" in expected  # minimal options strip marks only; the seated hamza stays


def _word_segments(expected: str) -> list[str]:
    """charabia's segments minus the separators (spaces and punctuation)."""
    return [seg for seg in expected.split("|") if re.fullmatch(r"\w+", seg)]


@pytest.mark.tsv(CHARABIA, where=lambda r: r[0].startswith("ArabicSegmenter"))
def test_charabia_segmenter_words(row):
    filt, text, expected, _ = row
    normalized_row = filt == "ArabicSegmenter+normalizers(tokenized)"
    column = 2 if normalized_row else 1
    # The mapping above is charabia's output: check it against the data file.
    assert _word_segments(expected) == [seg for w in SEGMENTER_WORDS for seg in w[column]]
    separators = {seg for seg in expected.split("|")} - set(_word_segments(expected))
    assert separators == {" ", "،", "؟", "(", ")"}

    tokens = analyze(text, EXACT_ALL)
    assert [(t.source, t.text) for t in tokens] == [(w[0], w[3]) for w in SEGMENTER_WORDS]
    assert not any(sep in t.source for t in tokens for sep in separators)

    light = {t.source: t.text for t in analyze(text, "light")}
    for surface, raw_segs, norm_segs, exact in SEGMENTER_WORDS:
        if not normalized_row:
            assert [normalize(seg) for seg in raw_segs] == list(norm_segs)
        if len(norm_segs) == 1:
            # Words charabia does not split: same normalized form.
            assert exact == norm_segs[0]
        else:
            # Article split off by charabia: our light stemmer strips it instead.
            assert norm_segs[0] == "ال"
            assert light[surface] == norm_segs[1]


# --- stemmer comparison ----------------------------------------------------------------------


def _lucene_decimal_digit_filter(text: str) -> str:
    """Lucene's DecimalDigitFilter: every Unicode decimal digit becomes its ASCII digit."""
    return "".join(
        str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in text
    )


#: Lucene's ArabicNormalizationFilter alone (no DecimalDigitFilter, no LowerCaseFilter).
_NORMALIZATION_FILTER_ONLY = dataclasses.replace(
    NormalizeOptions.lucene(), fold_digits=False, lowercase=False
)


def test_stemmer_comparison_has_all_rows(tsv):
    assert len(tsv(STEMMERS)) == 292


@pytest.mark.tsv(STEMMERS)
def test_lucene_light_with_lucene_normalization_matches_lucene_port(row):
    word, lucene_port = row[0], row[1]
    # The port ran ArabicNormalizationFilter + ArabicStemFilter. NormalizeOptions.lucene() is
    # the whole ArabicAnalyzer chain, which also has DecimalDigitFilter and LowerCaseFilter.
    expected = _lucene_decimal_digit_filter(lucene_port).lower()
    assert get_stemmer("lucene-light")(normalize(word, NormalizeOptions.lucene())) == expected


@pytest.mark.tsv(STEMMERS)
def test_lucene_light_with_normalization_filter_only_matches_lucene_port_exactly(row):
    word, lucene_port = row[0], row[1]
    assert get_stemmer("lucene-light")(normalize(word, _NORMALIZATION_FILTER_ONLY)) == lucene_port


def _waw_fa_article(word: str) -> bool:
    return word[:1] in ("و", "ف") and word[1:3] == "ال"


@pytest.mark.tsv(STEMMERS, where=lambda r: not _waw_fa_article(r[0]))
def test_snowball_on_raw_word_matches_snowballstemmer(row):
    word, snowball = row[0], row[2]
    assert get_stemmer("snowball")(word) == snowball


@pytest.mark.tsv(STEMMERS, where=lambda r: _waw_fa_article(r[0]))
def test_snowball_waw_fa_before_article_is_fixed(row):
    word, stock_snowball = row[0], row[2]
    stem = get_stemmer("snowball")
    assert stem(word) == stem(word[1:])  # stemmed like the word without و/ف
    assert stem(word) != stock_snowball  # stock Snowball leaves the و/ف + ال on


@pytest.mark.parametrize(
    ("prefixed", "plain"),
    [("والكتاب", "الكتاب"), ("فالحكومة", "الحكومة"), ("والحكومة", "الحكومة")],
)
def test_snowball_stems_waw_fa_article_words_like_the_article_word(prefixed, plain):
    stock = snowballstemmer.stemmer("arabic").stemWord
    assert stock(prefixed) != stock(plain)  # the gap in Snowball itself
    stem = get_stemmer("snowball")
    assert stem(prefixed) == stem(plain) == stock(plain)
    an = build_analyzer("snowball")
    assert _texts(an, prefixed) == _texts(an, plain)


_DEFINITE_INDEFINITE = [
    ("الحكومة", "حكومة"),
    ("العربية", "عربية"),
    ("الشركة", "شركة"),
    ("المكتبة", "مكتبة"),
]


@pytest.mark.parametrize(("definite", "indefinite"), _DEFINITE_INDEFINITE)
def test_snowball_stemmer_conflates_definite_and_indefinite_nouns(definite, indefinite):
    stem = get_stemmer("snowball")
    assert stem(definite) == stem(indefinite)


@pytest.mark.parametrize(("definite", "indefinite"), _DEFINITE_INDEFINITE)
def test_snowball_analyzer_conflates_definite_and_indefinite_nouns(definite, indefinite):
    an = build_analyzer("snowball")
    assert _texts(an, definite) == _texts(an, indefinite)


# --- Whoosh and pyarabic probes --------------------------------------------------------------

# input -> (newsearch's terms with nothing removed, does Whoosh *tokenize* it differently?)
WHOOSH_INPUTS: dict[str, tuple[list[str], bool]] = {
    # Whoosh's \w excludes harakat: it cuts the word into letters.
    "مَدْرَسَةٌ جديدة": (["مدرسه", "جديده"], True),
    "الرَّحْمَٰنِ الرَّحِيمِ": (["الرحمن", "الرحيم"], True),
    # Same words; Whoosh just leaves the Arabic-Indic digits unfolded.
    "كتاب٢٠٢٤ ١٢٣٤": (["كتاب2024", "1234"], False),
    # Whoosh splits at ZWNJ.
    "كتاب\u200cها": (["كتابها"], True),
    # Same word; Whoosh leaves the presentation forms unnormalized.
    "ﺍﻟﻌﺮﺑﻴﺔ": (["العربيه"], False),
    # Arabic punctuation separates words in both.
    "والكتاب، الجديد؛ هل؟": (["والكتاب", "الجديد", "هل"], False),
    # Same words; Whoosh keeps the tatweel inside the word.
    "الحمــــد لله": (["الحمد", "لله"], False),
}

_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")


@pytest.mark.tsv(PROBES, where=_starts("whoosh"))
def test_newsearch_tokenizer_has_none_of_the_whoosh_defects(row):
    _, text, whoosh_output = row
    expected, whoosh_tokenizes_differently = WHOOSH_INPUTS[text]
    ours = _texts(EXACT_ALL, text)
    assert ours == expected
    assert len(ours) == len(text.split())  # one token per word
    for term in ours:
        assert not set(term) & set(IGNORABLE_CHARS)  # no harakat, tatweel, ZWNJ
        assert not _PRESENTATION.search(term)
        assert not any(c.isdigit() and not c.isascii() for c in term)
    whoosh_words = [normalize(w) for w in whoosh_output.split()]
    assert (whoosh_words != ours) == whoosh_tokenizes_differently
    # The `exact` analyzer is the same minus stop words (هل).
    stops = stopword_list("arabic")
    assert _texts("exact", text) == [t for t in expected if t not in stops]


# Our normalization of every pyarabic probe word.
OUR_NORMALIZATION = {
    "أحمد": "احمد",
    "آمال": "امال",
    "مسؤول": "مسوول",
    "رئيس": "رييس",
    "يومى": "يومي",
    "الرَّحْمَٰنِ": "الرحمن",
    "ٱلحمد": "الحمد",
}
# pyarabic's documented traps: the output loses what the word was (أحمد -> ءحمد, يومى -> يوما).
PYARABIC_TRAPS = {
    ("normalize_hamza(uniform)", "أحمد"),
    ("normalize_hamza(uniform)", "آمال"),
    ("normalize_hamza(uniform)", "مسؤول"),
    ("normalize_hamza(uniform)", "رئيس"),
    ("normalize_alef", "يومى"),
}
# A choice, not a trap: pyarabic writes the superscript alef out (الرحمان); we delete it, which
# gives the usual spelling الرحمن.
PYARABIC_DIFFERENT_BY_DESIGN = {("normalize_alef", "الرَّحْمَٰنِ")}


def test_every_probe_row_is_handled(tsv):
    rows = tsv(PROBES)
    assert len(rows) == 49
    keys = set()
    for component, text, _ in rows:
        if component.startswith("whoosh"):
            assert text in WHOOSH_INPUTS
        else:
            assert component.startswith("pyarabic")
            assert text in OUR_NORMALIZATION
            keys.add((component.split(" ", 1)[1], text))
    assert keys >= PYARABIC_TRAPS | PYARABIC_DIFFERENT_BY_DESIGN


@pytest.mark.tsv(PROBES, where=_starts("pyarabic"))
def test_newsearch_normalization_against_pyarabic(row):
    component, text, pyarabic_output = row
    function = component.split(" ", 1)[1]
    ours = normalize(text)
    assert ours == OUR_NORMALIZATION[text]
    if (function, text) in PYARABIC_TRAPS:
        assert ours != pyarabic_output
        # and no further normalization repairs pyarabic's output: the information is gone
        assert normalize(pyarabic_output) != ours
    elif (function, text) in PYARABIC_DIFFERENT_BY_DESIGN:
        assert normalize(pyarabic_output) != ours
    else:
        # pyarabic did part of what we do: normalizing its output gives our result.
        assert normalize(pyarabic_output) == ours
        if function == "normalize_hamza(tasheel)" and set(text) & set("أإآؤئ"):
            assert pyarabic_output == ours  # tasheel handles seated hamza as we do
