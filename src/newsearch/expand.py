"""Query expansions for words as people type them: Latin script, dates, other word forms.

Each expansion is found in the index's own vocabulary (a :class:`~newsearch.plan.Vocabulary`),
is weighted below or at the typed word, and is recorded as an :class:`Expansion` that the search
result carries (``Results.expansions``), so a reader can see which spellings, forms and dates a
search used, and a caller can turn each kind off (:class:`~newsearch.request.RankingOptions`:
``variants``, ``cross_script``, ``word_forms``, ``dates``).

- **Cross-script** (:func:`script_terms`): a Latin word (Windows, FIFA, Kepler) also matches the
  Arabic spellings of it that the index knows (ويندوز, فيفا, كبلر), proposed by
  :mod:`newsearch.translit`; a lone letter before a number (F-16) its Arabic letter name (اف).
- **Dates** (:func:`find_dates`): a month with a year (سبتمبر 2018, أيلول ٢٠١٨, رمضان 1436) is
  not matched as two words; it becomes a soft preference for articles published in that month.
- **Word forms** (:func:`form_terms`): a verb also matches its verbal noun (يلغي/إلغاء,
  تنخفض/انخفاض), a singular its broken plural and back (زلزال/زلازل, تمر/تمور), when the index
  has the other form in enough articles: the root is read off a small set of Arabic patterns.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .normalize import normalize
from .schema import TEXT_FIELDS
from .translit import arabic_spellings, is_latin, letter_names
from .words import Analyzers, Term

if TYPE_CHECKING:
    from .plan import Vocabulary

__all__ = [
    "DATE_BOOST",
    "FORM_WEIGHT",
    "DateWindow",
    "Expansion",
    "find_dates",
    "form_candidates",
    "form_terms",
    "native_neighbours",
    "script_candidates",
    "script_terms",
    "spelling_terms",
    "terms_of",
    "word_looks_native",
]

#: Score factor of an article published in the month a query names (a preference, not a filter).
DATE_BOOST = 1.5
#: Days after a named month that still count as in it (reports of its events come later).
DATE_SLACK_DAYS = 10
#: Weight of another form of a word (verbal noun, plural) relative to the word.
FORM_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Expansion:
    """What a search added to a query word: ``kind`` is ``spelling`` (another spelling of a
    name), ``joined`` (two words the index writes as one), ``script`` (Arabic spellings of a
    Latin word), ``form`` (another form of the word), ``date`` (a month as a date preference)
    or ``correction`` (close spellings when nothing was found)."""

    kind: str
    word: str
    added: tuple[str, ...]
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "word": self.word, "added": list(self.added),
                "weight": self.weight}  # fmt: skip


# ----------------------------------------------------------------------------- cross-script


def script_candidates(word: str) -> list[str]:
    """Arabic spellings a Latin query word may have in the articles (not yet confirmed):
    its transliterations, and for one or two letters their Arabic letter names."""
    w = word.lower()
    if not is_latin(w):
        return []
    if len(w) == 1 and w.isalpha():
        return letter_names(w)
    if len(w) == 2:
        return []
    return arabic_spellings(w)


# ------------------------------------------------------------------------------------ dates

_GREGORIAN = (
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر".split()  # noqa: SIM905
)
_LEVANTINE = {
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7,
    "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
}  # fmt: skip
_HIJRI = {
    "محرم": 1, "صفر": 2, "ربيع الاول": 3, "ربيع الثاني": 4, "ربيع الاخر": 4,
    "جمادى الاولى": 5, "جمادي الاولى": 5, "جمادى الاخره": 6, "جمادي الاخره": 6,
    "جمادى الثانيه": 6, "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10, "ذو القعده": 11,
    "ذي القعده": 11, "ذو الحجه": 12, "ذي الحجه": 12,
}  # fmt: skip
_MONTHS: dict[str, tuple[str, int]] = {normalize(m): ("g", i) for i, m in enumerate(_GREGORIAN, 1)}
_MONTHS |= {normalize(m): ("g", i) for m, i in _LEVANTINE.items()}
_MONTHS |= {normalize(m): ("h", i) for m, i in _HIJRI.items()}
_YEAR = re.compile(r"^(1[3-4]\d\d|19\d\d|20\d\d)(?:م|ه|هـ)?$")


@dataclass(frozen=True, slots=True)
class DateWindow:
    """Articles published from ``start`` to ``end`` (UTC) are preferred; ``text`` is what the
    query said."""

    start: datetime
    end: datetime
    text: str

    def bounds(self) -> tuple[float, float]:
        """Epoch seconds, the end widened by :data:`DATE_SLACK_DAYS`."""
        return self.start.timestamp(), (self.end + timedelta(days=DATE_SLACK_DAYS)).timestamp()


def _hijri_to_gregorian(year: int, month: int, day: int) -> datetime:
    """The tabular Islamic calendar (a day or two off the sighted one: enough for a month)."""
    jd = (
        day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30
        + 1948439.5 - 1
    )  # fmt: skip
    noon = datetime(2000, 1, 1, 12, tzinfo=UTC)  # Julian day 2451545.0
    return noon + timedelta(days=jd - 2451545)


def _window(kind: str, month: int, year: int, text: str) -> DateWindow | None:
    if kind == "g":
        if not 1900 <= year <= 2100:
            return None
        last = calendar.monthrange(year, month)[1]
        start = datetime(year, month, 1, tzinfo=UTC)
        return DateWindow(start, datetime(year, month, last, 23, 59, tzinfo=UTC), text)
    if not 1300 <= year <= 1500:
        return None
    start = _hijri_to_gregorian(year, month, 1)
    return DateWindow(start, start + timedelta(days=29, hours=23), text)


def find_dates(words: Sequence[str]) -> tuple[list[int], DateWindow | None]:
    """The positions in ``words`` (query words, as typed) of a month followed by a year,
    and the date window they name; ``([], None)`` when there is none. A month without a year
    is left alone (مارس is also a verb); only the first month-year counts."""
    norm = [normalize(w).strip() for w in words]
    for i in range(len(norm) - 1):
        for span in (2, 1):
            name = " ".join(norm[i : i + span])
            if name not in _MONTHS or i + span >= len(norm):
                continue
            m = _YEAR.match(norm[i + span])
            if m is None:
                continue
            kind, month = _MONTHS[name]
            window = _window(kind, month, int(m.group(1)), " ".join(words[i : i + span + 1]))
            if window is not None:
                return list(range(i, i + span + 1)), window
    return [], None


# ------------------------------------------------------------------------------- word forms

# Patterns over a root's letters f, c, l (ف ع ل), normalized (no hamza seats, ة as ه).
# Verbs in the imperfect (what a headline types: يلغي, تنخفض) and the verbal noun each form
# takes; nouns with their broken plurals. A word is read against every pattern of its length;
# the other patterns of its group give the forms to look for.
_VERB_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # (imperfect verb patterns, the verbal nouns they lead to). Only verb -> noun: a query
    # typed as a noun already matches its noun; its verbs would add other senses (تحرير/تحرر).
    (("يفعل", "تفعل"), ("فعل", "افعال", "تفعيل")),  # forms I, IV, II
    (("يفاعل", "تفاعل"), ("مفاعله",)),  # form III
    (("يتفعل", "تتفعل"), ("تفعل",)),  # form V
    (("يتفاعل", "تتفاعل"), ("تفاعل",)),  # form VI
    (("ينفعل", "تنفعل"), ("انفعال",)),  # form VII
    (("يفتعل", "تفتعل"), ("افتعال",)),  # form VIII
    (("يستفعل", "تستفعل"), ("استفعال",)),  # form X
)
_NOUN_GROUPS: tuple[tuple[str, ...], ...] = (
    # Singular <-> broken plural. Three-letter nouns are left out: their patterns (فعل/فعول/
    # افعال) hit unrelated words too often (مصر/مصور); sound plurals are the stemmer's job.
    ("فعيل", "فعايل", "فعلاء"),  # حريق/حرائق, وزير/وزراء
    ("فعلال", "فعالل"),  # زلزال/زلازل (quadriliteral: f c l L)
    ("مفعله", "مفاعل"),  # مدرسه/مدارس
    ("مفعول", "مفاعيل"),  # مشروع/مشاريع
    ("فاعل", "فواعل"),  # شارع/شوارع
    ("فعاله", "فعايل"),  # رساله/رسائل
)


def _match(pattern: str, word: str) -> tuple[str, ...] | None:
    """The root letters of ``word`` read against ``pattern`` (ف ع ل, and a second ل for a
    fourth root letter), or None."""
    if len(pattern) != len(word):
        return None
    root: list[str] = []
    for p, c in zip(pattern, word, strict=True):
        if p in "فعل":
            if c in "اوي" and p != "ف":
                return None  # weak middle/last letters are left to the stems
            root.append(c)
        elif p != c:
            return None
    return tuple(root)


def _fill(pattern: str, root: Sequence[str]) -> str | None:
    letters = iter(root)
    out = []
    slots = sum(p in "فعل" for p in pattern)
    if slots != len(root):
        return None
    for p in pattern:
        out.append(next(letters) if p in "فعل" else p)
    return "".join(out)


_WEAK_VERB = re.compile(r"^[يت](\w\w)ي$")  # يلغي, ينهي, تلغي: form IV with a weak last letter
_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل")


def _bare(word: str) -> str:
    """``word`` with a leading article or conjunction taken off (at least three letters
    left, four after a one-letter prefix: لندن is not ل + ندن)."""
    for p in _CLITICS:
        if word.startswith(p) and len(word) - len(p) >= (3 if len(p) > 1 else 4):
            return word[len(p) :]
    return word


def form_candidates(word: str) -> list[str]:
    """Other forms of a normalized word by the patterns above (not yet confirmed by the
    index): the verbal nouns of a verb, the broken plural of a singular and back.

    >>> "انخفاض" in form_candidates("تنخفض"), "الغاء" in form_candidates("يلغي")
    (True, True)
    >>> "زلازل" in form_candidates("زلزال"), "حرايق" in form_candidates("الحريق")
    (True, True)
    >>> "استقاله" in form_candidates("يستقيل")
    True
    """
    w = _bare(normalize(word).strip())
    if len(w) < 3 or not w.isalpha():
        return []
    out: dict[str, None] = {}
    m = _WEAK_VERB.match(w)
    if m is not None:
        out["ا" + m.group(1) + "اء"] = None
    if len(w) >= 5 and w.startswith(("يست", "تست")) and w[-2] == "ي":
        out["است" + w[3] + "ا" + w[-1] + "ه"] = None  # يستقيل -> استقاله (hollow form X)
    for verbs, nouns in _VERB_GROUPS:
        for pattern in verbs:
            root = _match(pattern, w)
            for noun in nouns if root is not None else ():
                out[_fill(noun, root or ()) or w] = None
    for group in _NOUN_GROUPS:
        for pattern in group:
            root = _match(pattern, w)
            for other in group if root is not None else ():
                out[_fill(other, root or ()) or w] = None
    out.pop(w, None)
    return list(out)


#: A Latin word's Arabic spelling counts when its stem is in at least this many documents.
SCRIPT_MIN_DF = 2
#: Another form of a word counts when its stem is in at least this many documents.
FORM_MIN_DF = 3


def _stems(analyzers: Analyzers, name: str, text: str) -> list[str]:
    return [t.text for t in analyzers[name](text, mode="query") if t.text]


def _stems_of(analyzers: Analyzers, name: str, words: Sequence[str]) -> list[list[str]]:
    """The stems of each of ``words`` (whole words, no spaces), in one analyzer call: the
    candidates of an expansion are dozens, and each call has a fixed cost."""
    out: list[list[str]] = [[] for _ in words]
    if not words:
        return out
    for t in analyzers[name](" ".join(words), positions=True, mode="query"):
        if t.text and 0 <= t.pos < len(out):
            out[t.pos].append(t.text)
    return out


def terms_of(
    surface: Sequence[str], fields: Sequence[tuple[str, float]], analyzers: Analyzers
) -> list[Term]:
    """The (field, token) terms of whole words written ``surface`` (each with and without
    the article: the stemmer cuts some foreign words differently after ال)."""
    out: list[Term] = []
    for word in surface:
        for form in (word, "ال" + word):
            for name, w in fields:
                out.extend(Term(name, t, w) for t in _stems(analyzers, name, form))
    return list(dict.fromkeys(out))


def script_terms(
    text: str,
    after: str,
    fields: Sequence[tuple[str, float]],
    analyzers: Analyzers,
    vocabulary: Vocabulary,
) -> tuple[list[Term], tuple[str, ...]]:
    """Arabic spellings of a Latin word that the index knows: the most literal one found,
    and the spelling variants of it among the others (ميرس, not the unrelated مرس). A lone
    letter before a number (F-16) is looked for as the pair "اف 16": alone, اف is also the
    stem of آلاف."""
    from .variants import is_variant

    if len(text) == 1 and after.isdigit():
        weights = {name: w for name, w in fields}
        names = script_candidates(text)
        if not names:
            return [], ()
        pair = f"{names[0]} {after}"
        out = [Term(f"{f}_pairs", pair, weights[f]) for f in TEXT_FIELDS if f in weights]
        known = any(vocabulary.frequency(t.field, pair) for t in out)
        return (out, (pair,)) if known else ([], ())
    cands = script_candidates(text)
    if not cands:
        return [], ()
    body = "body" if "body" in analyzers else next(iter(analyzers))

    stems = dict(zip(cands, _stems_of(analyzers, body, cands), strict=True))

    def df(word: str) -> int:
        return sum(vocabulary.frequency(body, s) for s in set(stems[word]))

    first = next((c for c in cands if len(c) >= 2 and df(c) >= SCRIPT_MIN_DF), None)
    if first is None:
        return [], ()
    found = [first] + [
        c for c in cands if c != first and is_variant(first, c) and df(c) >= SCRIPT_MIN_DF
    ]
    return terms_of(found, fields, analyzers), tuple(found)


def word_looks_native(word: str, stem: str, analyzers: Analyzers, vocabulary: Vocabulary) -> bool:
    """Whether a normalized query ``word`` (``stem`` in the index) reads as a form of an
    Arabic root with other forms in the index (:func:`~newsearch.loanwords.looks_native`)."""
    from .loanwords import looks_native
    from .variants import remembered

    body = "body" if "body" in analyzers else next(iter(analyzers))
    return bool(
        remembered(
            vocabulary,
            "native_words",
            (word, stem),  # the stem counts too: keyed by the word alone, the first caller's
            # stem decided for every later one, so a plan hung on the order of set iteration
            lambda: looks_native(word, stem, lambda t: vocabulary.frequency(body, t)),
        )
    )


def native_neighbours(
    word: str, stem: str, variants: Sequence[str], analyzers: Analyzers, vocabulary: Vocabulary
) -> set[str]:
    """Of the skeleton neighbours ``variants`` of a query word (normalized ``word``, index
    ``stem``), those that are other native words: when the word looks native, the variants
    that look native too and are not forms of the same root (مشارك/مشرق, جمال/كمال; قاعد/قواعد
    share a root and stay)."""
    from .loanwords import roots_of

    if not variants or not word_looks_native(word, stem, analyzers, vocabulary):
        return set()
    own = roots_of(word, stem)
    return {
        v
        for v in variants
        if not roots_of(v) & own and word_looks_native(v, v, analyzers, vocabulary)
    }


#: A half of a word the index writes split stands for it when the pair leads at least this
#: share of the half's articles (pairs are indexed in the title and the lead only).
SPLIT_HALF_SHARE = 0.15


def split_halves(terms: Sequence[Term]) -> set[str]:
    return {t.token for t in terms if not t.field.endswith("_pairs")}


#: Weight of the common spellings of a rare typed spelling, inside the typed word.
RARE_SPELLING_WEIGHT = 0.5
#: A typed word in at most this many documents is a rare spelling whatever its variants.
RARE_SPELLING_DF = 20
#: ... and so is one whose other spelling is in this many times more documents.
MINORITY_RATIO = 2.0
#: A spelling in more than this share of the documents is a common word, not a name.
MAX_NAME_SHARE = 0.02
#: A typed word in more than this share is not looked up for rarer spellings of it.
MAX_TYPED_SHARE = 0.1
#: ... nor, in more than this share, for spellings about as frequent as itself.
MAX_PEER_SHARE = 0.01


def spelling_terms(
    text: str,
    terms: Sequence[Term],
    fields: Sequence[tuple[str, float]],
    analyzers: Analyzers,
    vocabulary: Vocabulary,
    other: list[Term] | None = None,
    vowel_changes: bool = True,
) -> tuple[list[Term], tuple[str, ...]]:
    """When the typed word is a rare spelling, the more common spellings of it one
    transliteration change away (:func:`~newsearch.variants.spelling_candidates`), and the
    word split in two when the index writes it so (بوكوحرام -> بوكو حرام, as a word pair).
    These are the name the reader meant: they join the word itself.

    The other spellings of a typed word in at most :data:`MAX_TYPED_SHARE` of the articles go
    to ``other`` (the weaker variant word): spellings by a consonant change however frequent
    (سيمنز/سيمنس), the word split in two however frequent (واتساب/واتس اب), and the word with
    the article added or taken off when the stemmer cuts it differently then (فيفا/الفيفا).
    A very frequent word is left alone, so native words a letter apart (الخليج/الخلايج) are
    not pulled in."""
    from .normalize import normalize
    from .variants import foreign_candidates, g_equal, spelling_candidates

    word = normalize(text).strip()
    if " " in word or not word.isalpha():
        return [], ()
    body = "body" if "body" in analyzers else next(iter(analyzers))
    own = {t.token for t in terms if t.field == body}
    if not own:
        return [], ()
    typed = max(vocabulary.frequency(body, t) for t in own)

    most = max(MAX_NAME_SHARE * vocabulary.size(), 100)  # a small index: every name is 2 %
    most_typed = max(MAX_TYPED_SHARE * vocabulary.size(), 100)
    looked = other is not None and typed <= most_typed
    peers_most = max(MAX_PEER_SHARE * vocabulary.size(), 20)

    def common(df: int) -> bool:
        minority = df >= MINORITY_RATIO * typed or typed <= RARE_SPELLING_DF
        return minority and typed < df <= most and df >= 2

    found: list[str] = []
    others: list[str] = []
    cands = spelling_candidates(word)
    # A vowel heard differently (دافيد/ديفيد), and in the weaker word any vowel change, only
    # between words that do not look native: a vowel changed in a native word is most often
    # another native word (البلدية/بليد, الشمالية/الشملية).
    consonant = set(spelling_candidates(word, vowels=False))
    typed_stem = max(own, key=len)
    # Three letters: a native word's stem (اسد/اسود, ملا/مولا). Decided before the foreign
    # candidates are made: most query words look native, and need none.
    typed_foreign = (
        vowel_changes
        and (looked or typed < most)  # else no candidate could be used
        and len(typed_stem) >= 4
        and not word_looks_native(word, typed_stem, analyzers, vocabulary)
    )
    quality: list[str] = []
    if typed_foreign:
        # One change of a foreign word's own, or two changes of which one is a vowel
        # (الفلبين/الفيليبين, رافايل/رفائيل).
        first = foreign_candidates(word)
        vowel = [c for c in cands if c not in consonant] + first

        def vowels_of(c: str) -> list[str]:
            changed = set(spelling_candidates(c, vowels=False))
            return [v for v in spelling_candidates(c) if v not in changed]

        # Two changes make hundreds of candidates: only for rare words of six letters or more.
        two = len(word) >= 6 and typed <= peers_most
        more = [c2 for c in vowel for c2 in vowels_of(c)] if two else []
        seen = {word, *cands}
        quality = [c for c in dict.fromkeys(first + more) if c not in seen]

    def foreign(cand: str, stem: str) -> bool:
        return (
            typed_foreign
            and len(stem) >= 4
            and not word_looks_native(cand, stem, analyzers, vocabulary)
        )

    tried = cands + quality
    for cand, stems in zip(tried, _stems_of(analyzers, body, tried), strict=True):
        if len(stems) != 1 or stems[0] in own or len(stems[0]) < 3:
            continue
        df = vocabulary.frequency(body, stems[0])
        if df < 2:
            continue
        if common(df) and (cand in cands or foreign(cand, stems[0])):
            found.append(cand)
        # The weaker word: between foreign words, a vowel change whatever their frequencies
        # (up to a name's); a consonant change not more frequent than the word typed, and as
        # frequent only when both are rare (two frequent words a consonant apart are most
        # often native: مثيرة/مسيرة).
        elif (
            looked
            and len(stems[0]) > 3
            and (
                (cand not in consonant and df <= most and foreign(cand, stems[0]))
                or (
                    cand in consonant
                    and df <= typed
                    and (df * MINORITY_RATIO <= typed or typed <= peers_most)
                )
            )
        ):
            others.append(cand)
    if looked:
        # The same word with the article toggled, where the stemmer cuts the two apart.
        twin = word[2:] if word.startswith("ال") and len(word) >= 5 else "ال" + word
        stems = _stems(analyzers, body, twin)
        # Only a cut of the same letters (فيفا/فيف), not another reading (ويندوز/يندز).
        if (
            len(stems) == 1
            and stems[0] not in own
            and any(stems[0] in o or o in stems[0] for o in own)
            and vocabulary.frequency(body, stems[0]) >= 2
        ):
            others.append(twin)
    out = [t for t in terms_of(found, fields, analyzers) if t.token not in own]
    weights = {name: w for name, w in fields}
    # Halves of three letters or more join the word; as the weaker other spelling, a half
    # may have two (واتس اب, دا سيلفا).
    cuts = range(2 if looked else 3, len(word) - (1 if looked else 2))
    halves = _stems_of(analyzers, body, [h for i in cuts for h in (word[:i], word[i:])])
    split: list[Term] = []
    for n, i in enumerate(cuts):
        left, right = halves[2 * n], halves[2 * n + 1]
        if len(left) == 1 and len(right) == 1:
            pair = f"{left[0]} {right[0]}"
            df = vocabulary.frequency(f"{body}_pairs", pair)
            pairs = [Term(f"{f}_pairs", pair, weights[f]) for f in TEXT_FIELDS if f in weights]
            # Pairs are indexed in the lead only: deeper in the body, a half stands for the
            # name when a good share of its articles lead with the pair (فيس and بوك for
            # فيسبوك; not بكر for دياربكر), in the weaker word.
            halves_in = [
                h
                for h in (left[0], right[0])
                if len(h) >= 3 and 2 <= df >= SPLIT_HALF_SHARE * vocabulary.frequency(body, h)
            ]
            # ... and the half with another "g" letter (بيونغ/بيونج).
            halves_in += [v for h in halves_in for v in vocabulary.variants(h) if g_equal(h, v)]
            alone = [Term(f, h, weights[f]) for h in halves_in for f in TEXT_FIELDS if f in weights]
            if common(df) and 3 <= i <= len(word) - 3:
                out += pairs
                found.append(f"{word[:i]} {word[i:]}")
                if looked:
                    split, others = alone, others + halves_in
                break
            if looked and 2 <= df <= most and not split:
                split = pairs + alone
                others += [f"{word[:i]} {word[i:]}", *halves_in]
    if other is not None:
        words = [o for o in others if " " not in o and o not in split_halves(split)]
        other += [t for t in terms_of(words, fields, analyzers)
                  if t.token not in own] + split  # fmt: skip
    return out, tuple(found)


def form_terms(
    text: str,
    terms: Sequence[Term],
    fields: Sequence[tuple[str, float]],
    analyzers: Analyzers,
    vocabulary: Vocabulary,
) -> tuple[list[Term], tuple[str, ...]]:
    """Other forms of the word (verbal noun, verb, plural, singular) whose stems the index
    has in at least :data:`FORM_MIN_DF` documents and the word's own terms do not cover."""
    cands = form_candidates(text)
    if not cands:
        return [], ()
    body = "body" if "body" in analyzers else next(iter(analyzers))
    own = {t.token for t in terms}
    found = []
    for cand, stems in zip(cands, _stems_of(analyzers, body, cands), strict=True):
        if len(stems) != 1 or stems[0] in own or len(stems[0]) < 3:
            continue
        if vocabulary.frequency(body, stems[0]) >= FORM_MIN_DF:
            found.append(cand)
    if not found:
        return [], ()
    out = [t for t in terms_of(found, fields, analyzers) if t.token not in own]
    return out, tuple(found)
