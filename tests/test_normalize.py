"""One test per normalization rule, each switch, and the pyarabic traps we avoid."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from newsearch.errors import ConfigError
from newsearch.normalize import DIACRITICS, IGNORABLE_CHARS, NormalizeOptions, normalize

RULES = [
    # (input, expected, rule)
    ("ﻻ", "لا", "lam-alef ligature (presentation form B) -> NFKC"),
    ("ﺍﻟﻌﺮﺑﻴﺔ", "العربيه", "presentation forms B -> letters (then ة folds)"),
    ("ﷲ", "الله", "presentation form A ligature, NFKC then harakat removed"),
    ("مَدْرَسَةٌ", "مدرسه", "harakat and tanween removed"),
    ("الرَّحْمَٰنِ", "الرحمن", "shadda and superscript alef removed"),
    ("قُرْآنۖ", "قران", "Quranic annotation mark removed"),
    ("الحمــــد", "الحمد", "tatweel removed"),
    ("كتاب\u200cها", "كتابها", "ZWNJ removed, word kept whole"),
    ("\u200fمرحبا\u200e", "مرحبا", "bidi marks removed"),
    ("\u202bنص\u202c", "نص", "bidi embedding removed"),
    ("\u2067نص\u2069", "نص", "bidi isolates removed"),
    ("\ufeffنص", "نص", "BOM removed"),
    ("آمال", "امال", "alef madda"),
    ("أحمد", "احمد", "alef hamza above (pyarabic uniform: ءحمد)"),
    ("إسلام", "اسلام", "alef hamza below"),
    ("ٱلحمد", "الحمد", "alef wasla"),
    ("يومى", "يومي", "alef maqsura -> yeh (pyarabic normalize_alef: يوما)"),
    ("مدرسة", "مدرسه", "teh marbuta -> heh"),
    ("مسؤول", "مسوول", "hamza on waw -> waw"),
    ("رئيس", "رييس", "hamza on yeh -> yeh"),
    ("ی", "ي", "Persian yeh"),
    ("ک", "ك", "Persian keheh"),
    ("ۀ", "ه", "heh with yeh above"),
    ("٢٠١٨", "2018", "Arabic-Indic digits"),
    ("۱۲۳", "123", "Extended Arabic-Indic digits"),
    ("٣٫٥", "3.5", "Arabic decimal separator"),
    ("iPhone FACEBOOK", "iphone facebook", "Latin case folding"),
    ("نعم، لا؛ لماذا؟ «هنا»", 'نعم, لا; لماذا? "هنا"', "Arabic punctuation -> Latin"),
    ("", "", "empty string"),
    ("hello world 123", "hello world 123", "ASCII passes through"),
    ("中文 Привет", "中文 привет", "other scripts pass through (lowercased)"),
]


@pytest.mark.parametrize(("text", "expected", "rule"), RULES, ids=[r[2] for r in RULES])
def test_rule(text: str, expected: str, rule: str) -> None:
    assert normalize(text) == expected


SWITCHES = [
    ("fold_alef", "أحمد", "أحمد"),
    ("fold_alef_wasla", "ٱلحمد", "ٱلحمد"),
    ("fold_alef_maqsura", "يومى", "يومى"),
    ("fold_teh_marbuta", "مدرسة", "مدرسة"),
    ("fold_hamza_waw", "مسؤول", "مسؤول"),
    ("fold_hamza_yeh", "رئيس", "رئيس"),
    ("fold_persian", "ی", "ی"),
    ("fold_digits", "٢٠١٨", "٢٠١٨"),
    ("lowercase", "iPhone", "iPhone"),
    ("fold_punctuation", "نعم،", "نعم،"),
    ("strip_diacritics", "مَدْرَسَة", "مَدْرَسَه"),
    ("strip_extended_marks", "الرحمٰن", "الرحمٰن"),
    ("strip_tatweel", "الحمــد", "الحمــد"),
    ("strip_controls", "كتاب\u200cها", "كتاب\u200cها"),
    ("nfkc_presentation_forms", "ﻻ", "ﻻ"),
]


@pytest.mark.parametrize(("option", "text", "expected"), SWITCHES, ids=[s[0] for s in SWITCHES])
def test_each_fold_can_be_switched_off(option: str, text: str, expected: str) -> None:
    opts = NormalizeOptions(**{option: False})
    assert normalize(text, opts) == expected
    assert normalize(text) != expected  # and the default does apply the rule


def test_options_are_frozen_and_roundtrip_json() -> None:
    opts = NormalizeOptions(fold_teh_marbuta=False)
    with pytest.raises(AttributeError):
        opts.fold_alef = False  # type: ignore[misc]
    assert NormalizeOptions.from_dict(opts.to_dict()) == opts
    assert hash(opts) == hash(NormalizeOptions.from_dict(opts.to_dict()))


def test_options_reject_unknown_and_non_bool() -> None:
    with pytest.raises(ConfigError, match="fold_everything"):
        NormalizeOptions.from_dict({"fold_everything": True})
    with pytest.raises(ConfigError, match="true/false"):
        NormalizeOptions.from_dict({"fold_alef": "yes"})


def test_lucene_preset_matches_lucene_normalizer() -> None:
    lucene = NormalizeOptions.lucene()
    # Lucene folds these ...
    assert normalize("أحمد إعاذ آجن بنى فاطمة روبرـت مَبنا", lucene) == (
        "احمد اعاذ اجن بني فاطمه روبرت مبنا"
    )
    # ... but not hamza on waw/yeh, alef wasla, or Persian letters.
    assert normalize("مسؤول رئيس ٱلحمد ی", lucene) == "مسؤول رئيس ٱلحمد ی"


def test_minimal_preset_only_removes_invisible_marks() -> None:
    assert normalize("أَحْمَد الحمــد", NormalizeOptions.minimal()) == "أحمد الحمد"


def test_pyarabic_traps_avoided() -> None:
    """pyarabic 0.6.15: normalize_hamza (uniform) turns أحمد into ءحمد, normalize_alef maps
    final ى to ا (tests/data/anchors/python_stack_probes.tsv). We do neither."""
    from pyarabic import araby

    assert araby.normalize_hamza("أحمد") == "ءحمد"
    assert araby.normalize_alef("يومى") == "يوما"
    assert normalize("أحمد") == "احمد"
    assert normalize("يومى") == "يومي"


def test_our_diacritics_cover_pyarabic_tashkeel() -> None:
    from pyarabic import araby

    assert set(araby.TASHKEEL) <= set(DIACRITICS)
    assert araby.TATWEEL in IGNORABLE_CHARS


def test_no_ignorable_character_survives() -> None:
    text = "x".join(IGNORABLE_CHARS)
    assert not set(normalize(text)) & set(IGNORABLE_CHARS)


def test_presentation_forms_all_fold_to_base_letters() -> None:
    for cp in list(range(0xFE70, 0xFEFD)) + list(range(0xFB50, 0xFE00)):
        ch = chr(cp)
        if not unicodedata.decomposition(ch):  # unassigned, or no compatibility form (U+FE73)
            continue
        out = normalize(ch)
        assert not any(0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFC for c in out), hex(
            cp
        )


def test_normalize_does_not_import_whoosh() -> None:
    import subprocess

    code = "import newsearch.normalize, sys; print('whoosh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
