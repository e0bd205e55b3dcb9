"""Does a word look like a native Arabic word or like a foreign name (a loanword)?

Native Arabic words are built from a root of three consonants poured into patterns: بلد gives
بلاد, بلدان, بليد; شرك gives مشارك, شريك, اشتراك, مشترك. A foreign name is not: دافيد, الفلبين,
تسلا have no root whose other patterns are words. The test reads a word against the patterns
of :data:`PATTERNS` (and the hollow ones of :data:`HOLLOW`: قام, مقام, اقامه), fills each root it
reads into every pattern, and counts how many of those forms the index's own vocabulary has
(:func:`root_family`). A word with a root of at least :data:`NATIVE_FAMILY` known forms looks
native (:func:`looks_native`).

Name-spelling expansions use it both ways (:mod:`newsearch.expand`, :mod:`newsearch.plan`):
vowels heard differently (دافيد/ديفيد, الفلبين/الفيليبين) are tried only for a word that does not
look native, and a native word's skeleton neighbours (مشاركه/مشرق, اقامه/اقوام) are not added
as its spellings. Measured in docs/benchmarks.md ("Name variants").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = [
    "HOLLOW",
    "NATIVE_FAMILY",
    "PATTERNS",
    "forms_of",
    "looks_native",
    "readings",
    "root_family",
    "roots_of",
]

# Patterns over the root letters ف ع ل, normalized (ة as ه, no hamza seats): the common noun,
# participle, verbal noun and verb forms of a three-letter root.
PATTERNS: tuple[str, ...] = tuple(
    """فعل فعال فعيل فعول فاعل فعله فعاله فعيله فعوله فعلان فعلاء افعل افعال مفعل مفعله مفعال
    مفعول مفعيل مفاعل مفاعله مفاعيل فواعل فعايل تفعيل تفعل تفاعل افتعال افتعل انفعال انفعل
    استفعال استفعل مفتعل منفعل مستفعل متفعل متفاعل يفعل تفعل نفعل يتفعل تتفعل يتفاعل تتفاعل
    ينفعل تنفعل يفتعل تفتعل يستفعل تستفعل""".split()  # noqa: SIM905
)
# Hollow roots (a long vowel for the middle letter), over ف and ل: قام يقوم قيام مقام اقامه
# قائم مقيم استقال.
HOLLOW: tuple[str, ...] = tuple(
    """فال فول فيل فيال فايل مفال مفاله مفيل مفول افال افاله يفول يفيل تفول تفيل استفال
    استفاله مستفيل""".split()  # noqa: SIM905
)
#: A root with at least this many forms in the vocabulary makes a word look native.
NATIVE_FAMILY = 3
#: ... counting a form found in at least this many documents.
FORM_MIN_DF = 2

_WEAK = "اوي"
# Patterns where a middle و or ي is a consonant (اسود, سواد, طويل, تطوير); elsewhere a weak
# middle letter is the pattern's long vowel (انخيل is not a form of خيل).
_SOUND_MIDDLE = frozenset("فعل افعل فعال فعيل فعول تفعيل تفعل تفاعل".split())  # noqa: SIM905


def _read(pattern: str, word: str, slots: str) -> tuple[str, ...] | None:
    """The root letters of ``word`` read against ``pattern`` (its letters in ``slots`` are
    the root's), or None. The first root letter may be weak or a hamza seat (وصل, امن), the
    middle one و or ي in a few patterns (اسود, سواد); any other long vowel is the pattern's."""
    if len(pattern) != len(word):
        return None
    root: list[str] = []
    for p, c in zip(pattern, word, strict=True):
        if p in slots:
            if c in _WEAK and root and not (p == "ع" and c != "ا" and pattern in _SOUND_MIDDLE):
                return None
            root.append(c)
        elif p != c:
            return None
    return tuple(root)


def _fill(pattern: str, root: Sequence[str], slots: str) -> str:
    letters = iter(root)
    return "".join(next(letters) if p in slots else p for p in pattern)


def readings(word: str) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    """Every (root, patterns, slots) the patterns read in ``word``: the root letters, and the
    patterns of the same kind (strong or hollow) to fill them into.

    >>> [r for r, _, _ in readings("مشارك")]
    [('ش', 'ر', 'ك')]
    >>> ('ق', 'م') in [r for r, _, _ in readings("اقام")]
    True
    """
    out: list[tuple[tuple[str, ...], tuple[str, ...], str]] = []
    seen: set[tuple[str, ...]] = set()
    for patterns, slots in ((PATTERNS, "فعل"), (HOLLOW, "فل")):
        for pattern in patterns:
            root = _read(pattern, word, slots)
            if root is not None and root not in seen:
                seen.add(root)
                out.append((root, patterns, slots))
    return out


Frequency = Callable[[str], int]


def root_family(words: Sequence[str], frequency: Frequency, enough: int = 0) -> list[str]:
    """The largest family of known forms (in at least :data:`FORM_MIN_DF` documents, other
    than ``words``) of a root read in any of ``words`` (forms of one word). Forms are looked
    up in the shape of the index's light stems (a final ة dropped: مشاركه -> مشارك);
    ``frequency`` maps a stem to its document count. Stops at the first family of ``enough``
    forms, when given: a native word's root usually has them among its first patterns."""
    roots: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {}
    for word in words:
        for root, patterns, slots in readings(word):
            roots.setdefault(root, (patterns, slots))
    best: list[str] = []
    for root, (patterns, slots) in roots.items():
        known: list[str] = []
        for p in patterns:
            form = _fill(p, root, slots)
            form = form[:-1] if form.endswith("ه") and len(form) > 3 else form
            if form not in words and form not in known and frequency(form) >= FORM_MIN_DF:
                known.append(form)
                if enough and len(known) >= enough:
                    return known
        if len(known) > len(best):
            best = known
    return best


_PREFIXES = ("", *"و ف ب ل ك س وب ول وس فب فل".split())  # noqa: SIM905
_SUFFIXES = ("", *"ه ي يه ات ها هم نا ون ين ان يون يين ته تها".split())  # noqa: SIM905


def forms_of(word: str) -> list[str]:
    """The forms of a normalized word the patterns are read in: the word without a leading
    conjunction, preposition or future س, the article, and an inflection or pronoun ending,
    in every combination that leaves three letters or more.

    >>> "شرع" in forms_of("بشرعيه"), "عود" in forms_of("سيعود"[:1] + "عود")
    (True, True)
    """
    out: dict[str, None] = {word: None}
    for p in _PREFIXES:
        if not word.startswith(p):
            continue
        rest = word[len(p) :]
        for r in (rest, rest[2:] if rest.startswith("ال") else rest):
            for suf in _SUFFIXES:
                if r.endswith(suf) and len(r) - len(suf) >= 3:
                    out[r[: len(r) - len(suf)]] = None
    return list(out)


def looks_native(word: str, stem: str, frequency: Frequency, family: int = NATIVE_FAMILY) -> bool:
    """Whether a normalized ``word`` (with ``stem``, its index stem) reads as a form of a
    root that has at least ``family`` forms in the vocabulary.

    >>> known = {"بلاد", "بلدان", "بليد", "ديفيد"}
    >>> df = lambda s: 5 if s in known else 0
    >>> looks_native("البلديه", "بلد", df), looks_native("دافيد", "دافيد", df)
    (True, False)
    """
    forms = list(dict.fromkeys([stem, *forms_of(word)]))
    return len(root_family(forms, frequency, enough=family)) >= family


def roots_of(word: str, stem: str = "") -> set[tuple[str, ...]]:
    """The roots the patterns read in a normalized word (and its stem), in any of its forms.

    >>> roots_of("قواعد") & roots_of("قاعده", "قاعد") == {("ق", "ع", "د")}
    True
    """
    forms = dict.fromkeys([*([stem] if stem else []), *forms_of(word)])
    return {root for form in forms for root, _, _ in readings(form)}
