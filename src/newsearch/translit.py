"""Latin script to Arabic script: the spellings an Arabic outlet may give a Latin word.

A reader types ``Windows``, ``FIFA`` or ``Kepler``; the articles write ويندوز, فيفا, كبلر.
:func:`arabic_spellings` proposes Arabic spellings of a Latin word by rules of how Arabic news
transliterates English and French (each Latin letter or digraph has a few Arabic renderings;
vowels are written as long vowels or dropped), already normalized as the index is (ة as ه, no
hamza seats). Most proposals are not words; the search keeps those the index's vocabulary
confirms (:mod:`newsearch.plan`). :func:`letter_names` spells a lone Latin letter as Arabic
writes it before a number (F-16 -> اف 16).

Pure and small: no index, no tables, bounded output.
"""

from __future__ import annotations

import itertools
import re

__all__ = ["MAX_SPELLINGS", "arabic_spellings", "is_latin", "letter_names"]

#: At most this many spellings per word (the rules multiply: 3 choices at 8 places is 6,561).
MAX_SPELLINGS = 256

_LATIN = re.compile(r"^[a-z]+$")

# Digraphs first (longest match wins), then letters. "" = not written.
_DIGRAPHS: dict[str, tuple[str, ...]] = {
    "sch": ("ش",),
    "ace": ("يس", "اس"),
    "tch": ("تش",),
    "sh": ("ش",),
    "ch": ("تش", "ش", "ك"),
    "th": ("ث", "ت"),
    "ph": ("ف",),
    "kh": ("خ",),
    "gh": ("غ", "ج"),
    "ck": ("ك",),
    "qu": ("كو", "ك"),
    "ou": ("و",),
    "oo": ("و",),
    "ow": ("و", "او"),
    "ee": ("ي",),
    "ea": ("ي",),
    "ai": ("اي", "ي"),
    "ay": ("اي", "ي"),
    "ei": ("اي", "ي"),
    "ey": ("اي", "ي"),
    "ie": ("ي",),
    "ss": ("س",),
    "ll": ("ل",),
    "tt": ("ت",),
    "pp": ("ب",),
    "mm": ("م",),
    "nn": ("ن",),
    "rr": ("ر",),
    "ff": ("ف",),
}
_LETTERS: dict[str, tuple[str, ...]] = {
    "a": ("ا", ""),
    "b": ("ب",),
    "c": ("ك", "س"),
    "d": ("د",),
    "e": ("ي", ""),
    "f": ("ف",),
    "g": ("ج", "غ", "ق"),
    "h": ("ه", ""),
    "i": ("ي", "", "اي"),
    "j": ("ج",),
    "k": ("ك",),
    "l": ("ل",),
    "m": ("م",),
    "n": ("ن",),
    "o": ("و", ""),
    "p": ("ب",),
    "q": ("ك", "ق"),
    "r": ("ر",),
    "s": ("س", "ز"),
    "t": ("ت", "ط"),
    "u": ("و", "", "ا"),
    "v": ("ف",),
    "w": ("و",),
    "x": ("كس",),
    "y": ("ي",),
    "z": ("ز",),
}
# A word's first vowel is written with alef: Obama -> اوباما, Iphone -> ايفون.
_INITIAL: dict[str, tuple[str, ...]] = {
    "a": ("ا",),
    "e": ("ا", "اي"),
    "i": ("ا", "اي"),
    "o": ("او", "ا"),
    "u": ("او", "ا"),
}
# A final vowel is written (FIFA -> فيفا, Kenya -> كينيا); a final silent e is not.
_FINAL: dict[str, tuple[str, ...]] = {
    "a": ("ا", "ه"),
    "e": ("", "ي"),
    "i": ("ي",),
    "o": ("و",),
    "u": ("و",),
    "y": ("ي",),
}

# How Arabic spells Latin letter names (before a number: F-16, MH370, G20).
_LETTER_NAMES: dict[str, str] = {
    "a": "ايه", "b": "بي", "c": "سي", "d": "دي", "e": "اي", "f": "اف", "g": "جي", "h": "اتش",
    "i": "اي", "j": "جي", "k": "كي", "l": "ال", "m": "ام", "n": "ان", "o": "او", "p": "بي",
    "q": "كيو", "r": "ار", "s": "اس", "t": "تي", "u": "يو", "v": "في", "w": "دبليو", "x": "اكس",
    "y": "واي", "z": "زد",
}  # fmt: skip


def is_latin(word: str) -> bool:
    """Whether ``word`` is Latin letters only (lower case, as the analyzers leave it)."""
    return bool(_LATIN.match(word))


def letter_names(word: str) -> list[str]:
    """The Arabic names of a short Latin word's letters (``f`` -> ``["اف"]``; ``mh`` ->
    ``["ام", "اتش"]``): how an acronym before a number is written."""
    return [_LETTER_NAMES[c] for c in word if c in _LETTER_NAMES]


def _pieces(word: str) -> list[tuple[str, ...]]:
    """The choices at each place of ``word``, left to right (longest digraph first)."""
    out: list[tuple[str, ...]] = []
    i = 0
    n = len(word)
    while i < n:
        for size in (3, 2):
            chunk = word[i : i + size]
            if len(chunk) == size and chunk in _DIGRAPHS:
                out.append(_DIGRAPHS[chunk])
                i += size
                break
        else:
            c = word[i]
            if i == 0 and c in _INITIAL:
                out.append(_INITIAL[c])
            elif i == n - 1 and c in _FINAL:
                out.append(_FINAL[c])
            else:
                out.append(_LETTERS.get(c, ("",)))
            i += 1
    return out


def arabic_spellings(word: str, limit: int = MAX_SPELLINGS) -> list[str]:
    """Arabic spellings of the Latin ``word`` (lower case), most literal first, at most
    ``limit``; none for words of fewer than 3 letters (too many readings).

    >>> "ويندوز" in arabic_spellings("windows")
    True
    >>> "فيفا" in arabic_spellings("fifa"), "كبلر" in arabic_spellings("kepler")
    (True, True)
    >>> "موبايلي" in arabic_spellings("mobily"), "فيسبوك" in arabic_spellings("facebook")
    (True, True)
    >>> arabic_spellings("tv")
    []
    """
    if len(word) < 3 or not is_latin(word):
        return []
    pieces = _pieces(word)
    out: dict[str, None] = {}
    for combo in itertools.islice(itertools.product(*pieces), limit * 4):
        s = "".join(combo)
        if len(s) >= 2:
            out[s] = None
        if len(out) >= limit:
            break
    return list(out)
