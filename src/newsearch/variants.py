"""Spelling variants of foreign names, and close spellings for typos, from the index's own
vocabulary.

Outlets transliterate the same name differently: جونج/جونغ (the "g" as ج, غ, ق or ك),
تشو/شو ("ch" as تش or ش), ترامب/ترمب (a long vowel written or dropped), بيونغ يانغ/بيونغيانغ
(split or joined). :func:`variant_key` maps a word to a skeleton that these differences do not
change; the words of the index sharing a query word's skeleton are its variants, and search adds
them to the word at a lower weight (``search.VARIANT_WEIGHT``), so the spelling typed still
ranks first and the other spellings are found.

The skeleton folds only what transliteration varies, and only words of at least
``MIN_VARIANT_CHARS`` letters are expanded, so that short native words (قال/كال) are not.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["MIN_VARIANT_CHARS", "VariantIndex", "corrections", "is_variant", "variant_key"]

#: Shortest word (after normalization and stemming) whose variants are looked up.
MIN_VARIANT_CHARS = 4
#: Shortest skeleton worth matching (fewer consonants match too many unrelated words).
MIN_KEY_CHARS = 3

T = TypeVar("T")

# The "g" sound: ج (Egypt), غ (Levant), ق, ك, and Persian/Urdu letters.
_G = "جغقكگڭ"
_VOWELS = "اويىآأإ"


_G_TABLE = str.maketrans({c: "G" for c in _G} | {"ة": "ه"})
_INNER_VOWELS = re.compile(f"(?<=.)[{_VOWELS}]")
_DOUBLES = re.compile(r"(.)\1+")


def variant_key(word: str) -> str:
    """The transliteration skeleton of a normalized word: the "g" letters as one, تش as ش,
    no long vowels after the first letter, no doubled letters. Words sharing a skeleton are
    *candidates*; :func:`is_variant` decides.

    >>> variant_key("جونج") == variant_key("جونغ")
    True
    >>> variant_key("ترامب") == variant_key("ترمب")
    True
    >>> variant_key("بيونغيانغ") == variant_key("بيونجيانج")
    True
    >>> variant_key("غوغل") == variant_key("جوجل") == "GGل"
    True
    """
    # Doubled letters go first, so that two different "g" letters (غوغل) stay two.
    w = _DOUBLES.sub(r"\1", word.replace("تش", "ش")).translate(_G_TABLE)
    return _INNER_VOWELS.sub("", w)


def _g_equal(a: str, b: str) -> bool:
    return len(a) == len(b) and all(
        x == y or (x in _G and y in _G) for x, y in zip(a, b, strict=True)
    )


def is_variant(a: str, b: str) -> bool:
    """Whether ``b`` is a transliteration variant of ``a``: the same word up to "g" letters
    (ج غ ق ك), تش/ش, and, for words of five letters or more, one long vowel written or
    dropped. Deliberately narrow, since each variant is also a chance to match a different
    native word (حكوم/حكم differ by one vowel, and are not variants here: four letters).

    >>> is_variant("جونغ", "جونج"), is_variant("ترامب", "ترمب"), is_variant("اردوغان", "اردغان")
    (True, True, True)
    >>> is_variant("غوغل", "جوجل"), is_variant("تشيلس", "تشلس")
    (True, True)
    >>> is_variant("حكوم", "حكم"), is_variant("جونغ", "جانج"), is_variant("كتاب", "كتب")
    (False, False, False)
    """
    if a == b:
        return False
    longest = max(len(a), len(b))
    a, b = a.replace("تش", "ش"), b.replace("تش", "ش")
    if a == b:
        return True
    if _g_equal(a, b):
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(long_) - len(short) != 1 or longest < 5:
        return False
    for i in range(1, len(long_)):  # the dropped vowel is never the first letter
        if long_[i] in _VOWELS and _g_equal(long_[:i] + long_[i + 1 :], short):
            return True
    return False


def segment_terms(reader: Any, field: str) -> list[str]:
    """Every term of ``field`` in one segment, read straight from Whoosh's terms table (about
    15x faster than ``reader.lexicon(field)``, which decodes a term info per term)."""
    terms = getattr(reader, "_terms", None)
    table = getattr(terms, "_tindex", None)
    fieldmap = getattr(terms, "_fieldmap", None)
    if table is not None and fieldmap is not None and hasattr(table, "keys"):
        if field not in fieldmap:
            return []
        prefix = fieldmap[field].to_bytes(2, "big")
        out = []
        for key in table.keys():  # noqa: SIM118 - a Whoosh table, not a dict
            if key[:2] == prefix:
                try:
                    out.append(key[2:].decode("utf-8"))
                except UnicodeDecodeError:
                    continue
        return out
    try:
        return [
            t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in reader.lexicon(field)
        ]
    except Exception:  # a field this segment does not have
        return []


class _SegmentKeys:
    """skeleton -> words with that skeleton, for one segment's vocabulary of some fields."""

    def __init__(self, reader: Any, fields: Sequence[str]) -> None:
        groups: dict[str, set[str]] = {}
        keys = _KEY_MEMO
        for f in fields:
            for tok in segment_terms(reader, f):
                key = keys.get(tok)
                if key is None:
                    if len(tok) < MIN_VARIANT_CHARS or not tok.isalpha():
                        key = ""
                    else:
                        key = variant_key(tok)
                    if len(keys) < _KEY_MEMO_MAX:
                        keys[tok] = key
                if len(key) >= MIN_KEY_CHARS:
                    groups.setdefault(key, set()).add(tok)
        self.groups = groups


# Terms repeat across segments: their skeletons are computed once per process.
_KEY_MEMO: dict[str, str] = {}
_KEY_MEMO_MAX = 2_000_000


# Tables built from one segment's vocabulary, by (segment key, what was built): segments never
# change once written, so a table is built once per process and shared by every snapshot.
_SEGMENT_TABLES: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
_MAX_TABLES = 128


def _segment_table(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    with _LOCK:
        table = _SEGMENT_TABLES.get(key)
    if table is None:
        table = build()
        with _LOCK:
            _SEGMENT_TABLES[key] = table
            while len(_SEGMENT_TABLES) > _MAX_TABLES:
                _SEGMENT_TABLES.popitem(last=False)
    return table


class VariantIndex:
    """The skeleton groups of an index snapshot: its segments' tables, looked up together.

    The tables are not merged into one: a lookup unions one set per segment (a few dozen
    dictionary lookups), so a new snapshot (a web server refreshes after every commit) costs
    nothing to make once its segments' tables exist; merging them cost ~0.4 s at 30k."""

    def __init__(
        self,
        groups: Mapping[str, set[str]] | None = None,
        parts: Sequence[Mapping[str, set[str]]] = (),
    ) -> None:
        self.parts = ([groups] if groups is not None else []) + list(parts)

    @classmethod
    def for_view(cls, view: Any, fields: Sequence[str] = ("title", "body")) -> VariantIndex:
        parts = [
            _segment_table(
                (segkey, "variants", tuple(fields)),
                lambda r=seg.reader: _SegmentKeys(r, fields),  # type: ignore[misc]
            ).groups
            for seg, _off, segkey in view.leaves
        ]
        return cls(parts=parts)

    def group(self, key: str) -> set[str]:
        """The words of every segment with this skeleton (empty unless more than one)."""
        found = [p[key] for p in self.parts if key in p]
        if not found:
            return set()
        words = found[0] if len(found) == 1 else set().union(*found)
        return words if len(words) > 1 else set()

    def variants(self, token: str) -> list[str]:
        """Other words of the index with ``token``'s skeleton (not ``token`` itself)."""
        if len(token) < MIN_VARIANT_CHARS:
            return []
        group = self.group(variant_key(token))
        if not group:
            return []
        return sorted(w for w in group if is_variant(token, w))

    def joined(self, tokens: Iterable[str]) -> list[str]:
        """Single words of the index spelling ``tokens`` written together (بيونغ يانغ ->
        بيونغيانغ)."""
        joined = "".join(tokens)
        group = self.group(variant_key(joined))
        return sorted(w for w in group if w == joined or is_variant(joined, w))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with transpositions (optimal string alignment), or limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class _SegmentSpelling:
    """A symmetric-delete index (SymSpell) of one segment's whole-word vocabulary: each
    word under each of its one-letter deletions."""

    def __init__(self, reader: Any, field: str) -> None:
        self.words: set[str] = set()
        self.deletes: dict[str, list[str]] = {}
        for tok in segment_terms(reader, field):
            if len(tok) < 3 or not tok.isalpha():
                continue
            self.words.add(tok)
            for d in _deletes(tok):
                self.deletes.setdefault(d, []).append(tok)


def _spelling(view: Any, field: str) -> list[_SegmentSpelling]:
    return [
        _segment_table(
            (segkey, "spelling", field),
            lambda r=seg.reader: _SegmentSpelling(r, field),  # type: ignore[misc]
        )
        for seg, _off, segkey in view.leaves
    ]


def corrections(view: Any, schema: Any, word: str, limit: int = 3) -> list[str]:
    """Close spellings of ``word`` among the index's whole words (the exact-form title
    vocabulary), most frequent first: words one edit away (a letter added, dropped, changed or
    two swapped), and the word split in two known words (الحكومةالمصرية -> الحكومة المصرية).
    Bounded: a few dictionary lookups, whatever the vocabulary size."""
    from .normalize import normalize

    norm = normalize(word).strip()
    if len(norm) < 3 or not norm.isalpha():
        return []
    field = "title_exact" if "title_exact" in schema.names() else "title"
    segments = _spelling(view, field)

    reader = view.reader

    def df(tok: str) -> int:
        return (
            int(reader.doc_frequency(field, tok)) if any(tok in sp.words for sp in segments) else 0
        )

    found: dict[str, int] = {}
    probes = _deletes(norm) | {norm}
    for sp in segments:
        for probe in probes:
            for cand in sp.deletes.get(probe, ()):
                if cand != norm and cand not in found:
                    found[cand] = -1
            if probe != norm and probe in sp.words and probe not in found:
                found[probe] = -1
    scored = []
    for cand in found:
        if _distance(norm, cand, 1) <= 1:
            scored.append((df(cand), cand))
    if len(norm) >= 6:
        for i in range(2, len(norm) - 1):
            left, right = norm[:i], norm[i:]
            if len(left) >= 2 and len(right) >= 2:
                n = min(df(left), df(right))
                if n > 0:
                    scored.append((n, f"{left} {right}"))
    scored.sort(key=lambda p: (-p[0], p[1]))
    return [w for n, w in scored if n > 0][:limit]
