"""Arabic stemmers, registered by name. Each takes one *normalized* word and returns its stem.

Every stemmer here is stateless apart from a bounded memo (a plain dict, safe under the GIL:
the worst a race can do is compute a stem twice), so one instance can serve many threads.

Registered names:

``none``
    The word unchanged.
``lucene-light``
    An exact port of Lucene's ``ArabicStemmer`` (Larkey et al.'s light stemming), for comparison.
``light`` (default)
    ``lucene-light`` with the fixes news search needs; every rule is listed in ``docs/analysis.md``.
``snowball``
    snowballstemmer's ``arabic`` (PyStemmer's C build when installed), with its و/ف + ال gap fixed.
``isri``
    Whoosh's ISRI root stemmer (aggressive; for comparison only).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import ClassVar

from . import _lexicon
from .errors import UnknownComponentError

__all__ = [
    "IsriStemmer",
    "LightStemmer",
    "LuceneLightStemmer",
    "NoStemmer",
    "SnowballStemmer",
    "Stemmer",
    "get_stemmer",
    "register_stemmer",
    "stemmer_names",
]

_ARABIC_LETTERS = frozenset(map(chr, range(0x0621, 0x064B)))
_CLITICS = frozenset("وفبلك")


class Stemmer:
    """Base class: subclasses implement :meth:`_stem`; ``__call__`` memoizes it."""

    name: ClassVar[str] = ""
    #: Upper bound of the memo; it is simply cleared when full (cheap, and keeps memory flat).
    cache_size: int = 200_000

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = self._stem(word)
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[word] = stem
        return stem

    def _stem(self, word: str) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # The memo is not part of a stemmer's identity or its pickled state.
    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._cache = {}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class NoStemmer(Stemmer):
    """Returns the word unchanged."""

    name = "none"

    def __call__(self, word: str) -> str:
        return word


class LuceneLightStemmer(Stemmer):
    """Lucene's ``ArabicStemmer``, rule for rule (``lucene/analysis/ar/ArabicStemmer.java``).

    One prefix (ال وال بال كال فال لل و) if at least 2 letters remain (و: 3); then *every*
    suffix of the list, in order, while at least 2 letters remain. It over-stems short words
    (مليون -> مل, يكون -> يك): that is Lucene's behaviour and kept here on purpose.
    """

    name = "lucene-light"
    PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
    SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")

    def _stem(self, word: str) -> str:
        s = word
        for p in self.PREFIXES:
            if len(p) == 1:
                if len(s) >= 4 and s.startswith(p):
                    s = s[1:]
                    break
            elif len(s) >= len(p) + 2 and s.startswith(p):
                s = s[len(p) :]
                break
        for suf in self.SUFFIXES:
            if len(s) >= len(suf) + 2 and s.endswith(suf):
                s = s[: -len(suf)]
        return s


# Our light stemmer. Input is normalized (ة -> ه, ى -> ي, أ/إ/آ -> ا, ؤ -> و, ئ -> ي).
# Conjunction (و ف) + preposition (ب ك ل) + article (ال), longest first; لل is ل + ال.
_ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "فكال",
    "ولل",
    "فلل",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
    "ال",
)
# (suffix, fewest letters that must remain). Longest first; at most one is stripped.
# -yya/-iyyun/-iyyin/-iyyat: the nisba adjective with its feminine and plural endings.
# -an is not stripped: far more news words end in a radical -an (لبنان ايران برلمان سلمان
# رمضان) than in the nominative dual, whose oblique -ayn is handled by ين.
# -un/-in need 4 letters left (بوتين حسين مليون يكون stay whole) unless the word had the
# article, which names rarely take: البلدين -> بلد, الطرفين -> طرف.
_INFLECTION_SUFFIXES = (
    ("يين", 3),
    ("يون", 3),
    ("يات", 3),
    ("تين", 3),
    ("تان", 3),
    ("يه", 3),
    ("ين", 4),
    ("ون", 4),
    ("ات", 3),
    ("ه", 3),
    ("ي", 3),
)
_ARTICLE_MIN = {"ين": 3, "ون": 3}
# A suffix that is really the end of a foreign name: -stan, -stin, -son, -ton (باكستان
# واينستين جونسون كلينتون). Native plurals almost never put س/ت before -un/-in.
_NAME_ENDINGS = ("ستان", "ستين", "سون", "تون")
# Possessive pronouns; never after the article (الكتابها is not a word), so المحاكم keeps its
# م. -na ("our") only after ت (علاقاتنا حكومتنا): elsewhere a final نا is far more often
# -n + accusative alef (بيانا قانونا).
_PRONOUN_SUFFIXES = (("هما", 3), ("ها", 3), ("هم", 3), ("تنا", 2))
# Accusative tanween alef (عاما رسميا) and the verb plural -uu (قالوا), only without the article.
# Stripping it also joins a country to its adjective: فرنسا/فرنسي/الفرنسيه, سوريا/سوري.
_ALEF_SUFFIXES = (("وا", 3), ("ا", 3))


def _strip_suffixes(s: str, had_article: bool) -> str:
    if not had_article:
        for suf, keep in _PRONOUN_SUFFIXES:
            if s.endswith(suf) and len(s) - len(suf) >= keep:
                s = s[: -len(suf)] + ("ت" if suf == "تنا" else "")
                break
        else:
            for suf, keep in _ALEF_SUFFIXES:
                if s.endswith(suf) and len(s) - len(suf) >= keep:
                    s = s[: -len(suf)]
                    break
    if s.endswith(_NAME_ENDINGS) or s.endswith("الله"):
        return s
    for suf, keep in _INFLECTION_SUFFIXES:
        if had_article:
            keep = _ARTICLE_MIN.get(suf, keep)
        if s.endswith(suf) and len(s) - len(suf) >= keep:
            return s[: -len(suf)]
    return s


class LightStemmer(Stemmer):
    """newsearch's default light stemmer: Lucene's light stemming, fixed for news text.

    * strips و/ف and ب/ك/ل in front of ال (والكتاب فالحكومه وبالعاصمه للحكومه -> كتاب حكوم ...);
    * strips a lone و only when what remains is 3+ letters and the word is not one of the common
      words that begin with a radical و (وزير وزاره وكاله وطن وقت ...);
    * strips one possessive pronoun (ها هما هم, and نا after ت; not after ال) or an
      accusative alef / verb plural (ا وا; not after ال), then at most one inflectional
      suffix (ات ون ين يه يين يون يات تين تان ه ي), each with a minimum stem length, so
      short words survive (مليون يكون قانون بوتين stay whole), and never the end of a
      foreign name (-stan -stin -son -ton) or
      of a name ending in الله;
    * strips the clitics in front of a protected name (لبوتين وترامب -> بوتين ترامب);
    * never touches protected names and words (بوتين ترامب فلسطين ماكرون ...), words with no
      Arabic letter (numbers, Latin), or words of fewer than 3 letters.
    """

    name = "light"

    def _stem(self, word: str) -> str:
        protected = _lexicon.protected()
        if len(word) < 3 or word[0] not in _ARABIC_LETTERS or word in protected:
            return word
        # A clitic or two (و ف ب ل ك) in front of a known name: the remainder is certainly a
        # word, so the clitics can go (لبوتين ولبوتين -> بوتين) and the name stays whole.
        for n in (1, 2):
            if word[n - 1] in _CLITICS and word[n:] in protected:
                return word[n:]
            if word[n - 1] not in _CLITICS:
                break
        s = word
        had_article = False
        for p in _ARTICLE_PREFIXES:
            if s.startswith(p) and len(s) - len(p) >= 2:
                s = s[len(p) :]
                had_article = True
                break
        else:
            if s[0] == "و" and len(s) >= 4:
                native = _strip_suffixes(s, False)
                if s in _lexicon.waw_initial() or native in _lexicon.waw_initial():
                    return native
                s = s[1:]
        if s in protected:
            return s
        return _strip_suffixes(s, had_article)


class SnowballStemmer(Stemmer):
    """Snowball's Arabic stemmer (snowballstemmer, or PyStemmer's C build when installed).

    Snowball never strips و/ف before the article (والكتاب stays والكتاب), so a leading
    و/ف followed by ال is removed first; the final ه of a word with the article (ة before our
    normalization) is handed to Snowball as ة. Snowball itself still cuts names (بوتين -> وتين).
    """

    name = "snowball"

    def __init__(self) -> None:
        super().__init__()
        self._impl: Callable[[str], str] | None = None

    def _stem(self, word: str) -> str:
        if self._impl is None:
            import snowballstemmer

            self._impl = snowballstemmer.stemmer("arabic").stemWord
        if len(word) >= 5 and word[0] in "وف" and word[1:3] == "ال":
            word = word[1:]
        if word.endswith("ه") and word.startswith("ال") and not word.endswith("لله"):
            # Our normalization folds ة to ه; Snowball keeps a final ه after ال (reading it as
            # "his", which a definite noun cannot take), so give it back the ة it knows.
            word = word[:-1] + "ة"
        return self._impl(word)

    def __setstate__(self, state: dict[str, object]) -> None:
        self._cache = {}
        self._impl = None


class IsriStemmer(Stemmer):
    """Whoosh's ISRI root stemmer (``whoosh.lang.isri``): roots, not stems; for comparison."""

    name = "isri"

    def __init__(self) -> None:
        super().__init__()
        self._impl: Callable[[str], str] | None = None

    def _stem(self, word: str) -> str:
        if self._impl is None:
            from whoosh.lang.isri import ISRIStemmer

            self._impl = ISRIStemmer().stem
        return self._impl(word)

    def __setstate__(self, state: dict[str, object]) -> None:
        self._cache = {}
        self._impl = None


_REGISTRY: dict[str, Callable[[], Stemmer]] = {
    cls.name: cls
    for cls in (NoStemmer, LuceneLightStemmer, LightStemmer, SnowballStemmer, IsriStemmer)
}


def register_stemmer(name: str, factory: Callable[[], Stemmer]) -> None:
    """Register a stemmer factory under ``name`` (replacing any earlier one of that name)."""
    _REGISTRY[name] = factory
    get_stemmer.cache_clear()


def stemmer_names() -> list[str]:
    return sorted(_REGISTRY)


@cache
def get_stemmer(name: str) -> Stemmer:
    """The shared instance of the stemmer registered as ``name``."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownComponentError("stemmer", name, list(_REGISTRY)) from None
    return factory()
