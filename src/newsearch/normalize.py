"""Arabic text normalization: pure text in, pure text out (no Whoosh import).

One pass over the text: presentation forms go through NFKC (only where they occur, found by one
regex), then one ``str.lower`` and one ``str.translate`` apply every other rule at C speed.
Each fold can be switched off through :class:`NormalizeOptions`; the translate table for a set
of options is built once, on first use, and cached.

The rules (see ``docs/analysis.md`` for examples and how they differ from Lucene and Snowball):

* presentation forms U+FB50-U+FDFF and U+FE70-U+FEFC (lam-alef ligatures ...) -> NFKC;
* harakat and tanween U+064B-U+065F, superscript alef U+0670, Quranic marks U+06D6-U+06ED and
  tatweel U+0640 are removed;
* zero-width and bidi controls (U+200B-U+200F, U+202A-U+202E, U+2060, U+2066-U+2069, U+FEFF)
  are removed, so a word is never split at them;
* alef forms (آ أ إ ٱ) -> ا; ى -> ي; ة -> ه; ؤ -> و; ئ -> ي;
* Persian/Urdu letters ی ک ۀ ہ ە ي -> ي ك ه ه ه ي;
* Arabic-Indic and Extended Arabic-Indic digits -> 0-9, Arabic decimal/thousands separators -> . ,
* Latin case folding (``str.lower``);
* Arabic punctuation ، ؛ ؟ « » -> , ; ? " " (separators for the tokenizer, like their Latin twins).

Unlike pyarabic's ``normalize_hamza`` (default "uniform": أحمد -> ءحمد) we never turn a seated
hamza into a bare one, and unlike pyarabic's ``normalize_alef`` we never map final ى to ا.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

__all__ = [
    "DIACRITICS",
    "EXTENDED_MARKS",
    "HARAKAT",
    "IGNORABLE_CHARS",
    "TATWEEL",
    "NormalizeOptions",
    "normalize",
]

TATWEEL = "\u0640"
#: Harakat and tanween (what Lucene's normalizer removes: fathatan .. sukun).
HARAKAT = "".join(map(chr, range(0x064B, 0x0653)))
#: The other Arabic combining marks: maddah, hamza above/below, subscript alef ..., superscript
#: alef, Quranic annotation marks, honorific signs.
EXTENDED_MARKS = (
    "".join(map(chr, range(0x0653, 0x0660)))
    + "\u0670"
    + "".join(map(chr, range(0x06D6, 0x06EE)))
    + "".join(map(chr, range(0x0610, 0x061B)))
)
DIACRITICS = HARAKAT + EXTENDED_MARKS
#: Zero-width and bidi controls: invisible, and never a word boundary in Arabic text.
CONTROLS = (
    "".join(map(chr, range(0x200B, 0x2010)))
    + "".join(map(chr, range(0x202A, 0x202F)))
    + "\u2060"
    + "".join(map(chr, range(0x2066, 0x206A)))
    + "\ufeff"
)
#: Every character normalization deletes (so the tokenizer treats it as part of a word).
IGNORABLE_CHARS = DIACRITICS + TATWEEL + CONTROLS

_ALEFS = {"آ": "ا", "أ": "ا", "إ": "ا"}
_PERSIAN = {
    "ی": "ي",
    "ې": "ي",
    "ۍ": "ي",
    "ک": "ك",
    "ڪ": "ك",
    "ۀ": "ه",
    "ہ": "ه",
    "ە": "ه",
    "ۃ": "ه",
}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}
_PUNCT = {"،": ",", "؛": ";", "؟": "?", "«": '"', "»": '"', "\u066b": ".", "\u066c": ",", "٪": "%"}
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]+")


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """Which normalization rules apply. The defaults are what newsearch indexes with.

    Every field is a plain bool, so options round-trip through JSON (:meth:`to_dict`,
    :meth:`from_dict`) and an index can record exactly how it was normalized.
    """

    nfkc_presentation_forms: bool = True
    strip_diacritics: bool = True
    strip_extended_marks: bool = True
    strip_tatweel: bool = True
    strip_controls: bool = True
    fold_alef: bool = True
    fold_alef_wasla: bool = True
    fold_alef_maqsura: bool = True
    fold_teh_marbuta: bool = True
    fold_hamza_waw: bool = True
    fold_hamza_yeh: bool = True
    fold_persian: bool = True
    fold_digits: bool = True
    lowercase: bool = True
    fold_punctuation: bool = True

    @classmethod
    def lucene(cls) -> NormalizeOptions:
        """The folds of Lucene's ``ArabicNormalizationFilter`` + ``DecimalDigitFilter`` +
        ``LowerCaseFilter`` (the ``lucene`` analyzer, kept for comparison): harakat only (not
        superscript alef or Quranic marks), no hamza-on-waw/yeh, alef-wasla, Persian-letter,
        presentation-form, control or punctuation folds."""
        return cls(
            nfkc_presentation_forms=False,
            strip_controls=False,
            strip_extended_marks=False,
            fold_alef_wasla=False,
            fold_hamza_waw=False,
            fold_hamza_yeh=False,
            fold_persian=False,
            fold_punctuation=False,
        )

    @classmethod
    def minimal(cls) -> NormalizeOptions:
        """Only remove what is invisible (diacritics, tatweel, controls): no letter folds."""
        return cls(
            nfkc_presentation_forms=False,
            strip_extended_marks=False,
            fold_alef=False,
            fold_alef_wasla=False,
            fold_alef_maqsura=False,
            fold_teh_marbuta=False,
            fold_hamza_waw=False,
            fold_hamza_yeh=False,
            fold_persian=False,
            fold_digits=False,
            lowercase=False,
            fold_punctuation=False,
        )

    def to_dict(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizeOptions:
        from .errors import ConfigError

        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"unknown normalization option(s) {unknown}; valid options: {sorted(known)}"
            )
        bad = sorted(k for k, v in data.items() if not isinstance(v, bool))
        if bad:
            raise ConfigError(f"normalization options must be true/false: {bad}")
        return cls(**data)


def _table(opts: NormalizeOptions) -> dict[int, int | str | None]:
    table: dict[int, int | str | None] = {}

    def put(mapping: dict[str, str]) -> None:
        table.update({ord(k): v for k, v in mapping.items()})

    if opts.strip_diacritics:
        table.update(dict.fromkeys(map(ord, HARAKAT)))
    if opts.strip_diacritics and opts.strip_extended_marks:
        table.update(dict.fromkeys(map(ord, EXTENDED_MARKS)))
    if opts.strip_tatweel:
        table[ord(TATWEEL)] = None
    if opts.strip_controls:
        table.update(dict.fromkeys(map(ord, CONTROLS)))
    if opts.fold_alef:
        put(_ALEFS)
    if opts.fold_alef_wasla:
        put({"ٱ": "ا"})
    if opts.fold_alef_maqsura:
        put({"ى": "ي"})
    if opts.fold_teh_marbuta:
        put({"ة": "ه"})
    if opts.fold_hamza_waw:
        put({"ؤ": "و"})
    if opts.fold_hamza_yeh:
        put({"ئ": "ي"})
    if opts.fold_persian:
        put(_PERSIAN)
    if opts.fold_digits:
        put(_DIGITS)
    if opts.fold_punctuation:
        put(_PUNCT)
    return table


@lru_cache(maxsize=64)
def translation_table(opts: NormalizeOptions) -> dict[int, int | str | None]:
    """The ``str.translate`` table for ``opts`` (built once per distinct options value)."""
    return _table(opts)


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


_DEFAULT = NormalizeOptions()


def normalize(text: str, options: NormalizeOptions = _DEFAULT) -> str:
    """Return ``text`` normalized by ``options`` (default: every rule on).

    Idempotent: ``normalize(normalize(t)) == normalize(t)``. Never raises on a ``str``.

    >>> normalize("أَحْمَدُ فِي المَدْرَسَةِ")
    'احمد في المدرسه'
    >>> normalize("الحمــــد لله، ٢٠١٨")
    'الحمد لله, 2018'
    """
    if options.nfkc_presentation_forms and _PRESENTATION.search(text):
        text = _PRESENTATION.sub(_nfkc, text)
    if options.lowercase:
        text = text.lower()
    return text.translate(translation_table(options))
