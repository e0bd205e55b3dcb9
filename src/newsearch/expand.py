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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .normalize import normalize
from .translit import arabic_spellings, is_latin, letter_names

__all__ = [
    "DATE_BOOST",
    "FORM_WEIGHT",
    "DateWindow",
    "Expansion",
    "find_dates",
    "form_candidates",
    "script_candidates",
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
    if len(w) == 1:
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


def _bare(word: str) -> tuple[str, str]:
    """(prefix, word) with a leading article or conjunction taken off (at least three letters
    left, four after a one-letter prefix: لندن is not ل + ندن)."""
    for p in _CLITICS:
        if word.startswith(p) and len(word) - len(p) >= (3 if len(p) > 1 else 4):
            return p, word[len(p) :]
    return "", word


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
    _, w = _bare(normalize(word).strip())
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


def confirmed(
    candidates: Sequence[str],
    analyze: Callable[[str], list[str]],
    df: Mapping[str, int] | Callable[[str], int],
    min_df: int,
) -> list[tuple[str, str]]:
    """``(candidate, its stem)`` of the candidates whose stem occurs in at least ``min_df``
    documents (one analyzer call for all)."""
    lookup = df if callable(df) else df.get
    out = []
    for cand in candidates:
        stems = analyze(cand)
        if len(stems) == 1 and len(stems[0]) >= 3 and (lookup(stems[0]) or 0) >= min_df:
            out.append((cand, stems[0]))
    return out
