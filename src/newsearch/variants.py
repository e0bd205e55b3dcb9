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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import IndexView, Segment

__all__ = [
    "MIN_VARIANT_CHARS",
    "CorrectionCounts",
    "IndexVocabulary",
    "VariantIndex",
    "add_correction_counts",
    "correction_counts",
    "corrections",
    "foreign_candidates",
    "g_equal",
    "is_variant",
    "rank_corrections",
    "segment_tables",
    "spelling_candidates",
    "variant_key",
]

#: Shortest word (after normalization and stemming) whose variants are looked up.
MIN_VARIANT_CHARS = 4
#: Shortest skeleton worth matching (fewer consonants match too many unrelated words).
MIN_KEY_CHARS = 3

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


def g_equal(a: str, b: str) -> bool:
    """Whether two words are the same up to their "g" letters (بيونغ/بيونج)."""
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
    if g_equal(a, b):
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(long_) - len(short) != 1 or longest < 5:
        return False
    for i in range(1, len(long_)):  # the dropped vowel is never the first letter
        if long_[i] in _VOWELS and g_equal(long_[:i] + long_[i + 1 :], short):
            return True
    return False


class _SegmentKeys:
    """skeleton -> words with that skeleton, for one segment's vocabulary of some fields."""

    def __init__(self, segment: Segment, fields: Sequence[str], keys: dict[str, str]) -> None:
        groups: dict[str, set[str]] = {}
        for f in fields:
            for tok in segment.terms(f):
                key = keys.get(tok)
                if key is None:
                    if len(tok) < MIN_VARIANT_CHARS or not tok.isalpha():
                        key = ""
                    else:
                        key = variant_key(tok)
                    keys[tok] = key
                if len(key) >= MIN_KEY_CHARS:
                    groups.setdefault(key, set()).add(tok)
        self.groups = groups


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
    def for_view(cls, view: IndexView, fields: Sequence[str] = ("title", "body")) -> VariantIndex:
        """The groups of a snapshot, from per-segment tables built once per segment (terms
        repeat across segments: their skeletons are memoized in the index's cache)."""
        keys = view.cache.memo("variant-key")
        tables = view.segment_table(
            ("variants", tuple(fields)), lambda seg: _SegmentKeys(seg, fields, keys)
        )
        return cls(parts=[t.groups for t in tables])

    def words(self, key: str) -> set[str]:
        """The words of every segment with this skeleton, however few (a sharded index
        unions its shards' words before :meth:`group` decides)."""
        found = [p[key] for p in self.parts if key in p]
        if not found:
            return set()
        return found[0] if len(found) == 1 else set().union(*found)

    def group(self, key: str) -> set[str]:
        """The words of every segment with this skeleton (empty unless more than one)."""
        words = self.words(key)
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


_LONG = "اوي"
_G_SWAPS = {c: [g for g in "جغقك" if g != c] for c in "جغقك"}
_SWAPS = {"س": "زص", "ز": "س", "ص": "س", "ت": "طث", "ط": "ت", "ث": "تس", "ڤ": "ف", "ف": "ڤ"}


def spelling_candidates(word: str, vowels: bool = True) -> list[str]:
    """Spellings of a normalized word that transliteration produces, one change away: a long
    vowel written or dropped (ترمب/ترامب, انجيرليك/انجرليك), another "g" letter (قوقل/جوجل),
    تش as ج or ش (سروتش/سروج), and other letters transliteration confuses. ``vowels=False``:
    consonant changes only. Not yet confirmed: most are not words.

    >>> {"ترامب", "ريونيون"} <= set(spelling_candidates("ترمب") + spelling_candidates("رينيون"))
    True
    >>> {"جوجل", "سروج"} <= set(spelling_candidates("قوقل") + spelling_candidates("سروتش"))
    True
    """
    if len(word) < MIN_VARIANT_CHARS or not word.isalpha():
        return []
    out: dict[str, None] = {}
    # Inner letters only: a last ي or ا is grammar (الكرواتي/الكروات), not spelling.
    for i in range(1, len(word) if vowels else 0):
        for v in _LONG:
            if word[i - 1] != v and word[i : i + 1] != v:
                out[word[:i] + v + word[i:]] = None
        if i < len(word) - 1 and word[i] in _LONG and word[i - 1] not in _LONG:
            out[word[:i] + word[i + 1 :]] = None
    for i, c in enumerate(word):
        # One "g" letter changed: only in longer words (يلغي/يلقي are two verbs).
        for g in _G_SWAPS.get(c, ()) if len(word) >= 5 else ():
            out[word[:i] + g + word[i + 1 :]] = None
    if sum(c in _G_SWAPS for c in word) > 1:  # one outlet's "g" letter throughout: قوقل/جوجل
        for g in _G_SWAPS:
            out["".join(g if c in _G_SWAPS else c for c in word)] = None
    if "تش" in word:
        out[word.replace("تش", "ج")] = None
        out[word.replace("تش", "ش")] = None
    if len(word) >= 5:
        # Letters transliteration confuses (سيمنز/سيمنس, أنطونيو/أنتونيو, إليزابيث/إليزابيت,
        # موڤنبيك/موفنبيك). Not a vowel heard differently (دافيد/ديفيد): measured, it pulled in
        # native words (الرهينة/الرهانة) more than names.
        for i, c in enumerate(word):
            for other in _SWAPS.get(c, ()):
                out[word[:i] + other + word[i + 1 :]] = None
        if word[0] == "ه":  # a French silent h: هولاند/أولاند
            out["ا" + word[1:]] = None
    out.pop(word, None)
    return list(out)


def foreign_candidates(word: str) -> list[str]:
    """Spellings of a normalized foreign word that would be other words if it were native,
    one change away: an inner long vowel for another (دافيد/ديفيد, السوفياتي/السوفييتي),
    Portuguese nh as نه or ني (مورينيو/مورينهو), a French silent h restored (أولاند/هولاند).
    For words that do not look native only (:mod:`newsearch.loanwords`): in a native word a
    vowel changed is most often another word (بلد/بليد).

    >>> "ديفيد" in foreign_candidates("دافيد"), "السوفييتي" in foreign_candidates("السوفياتي")
    (True, True)
    >>> "مورينهو" in foreign_candidates("مورينيو"), "هولاند" in foreign_candidates("اولاند")
    (True, True)
    """
    if len(word) < MIN_VARIANT_CHARS or not word.isalpha():
        return []
    out: dict[str, None] = {}
    for i in range(1, len(word) - 1):
        if word[i] in _LONG:
            for v in _LONG:
                out[word[:i] + v + word[i + 1 :]] = None
        if word[i - 1] == "ن" and word[i] in "يه" and word[i + 1] in _LONG:
            out[word[:i] + ("ه" if word[i] == "ي" else "ي") + word[i + 1 :]] = None
    # A hamza on ي after ا written or not (normalized ئ is يي): رافايل/رافائيل.
    if "ايي" in word[1:]:
        out[word[0] + word[1:].replace("ايي", "اي")] = None
    elif "اي" in word[1:-1]:
        out[word[0] + word[1:].replace("اي", "ايي")] = None
    if len(word) >= 5 and word[0] == "ا" and word[1] != "ل":
        out["ه" + word[1:]] = None
    out.pop(word, None)
    return list(out)


def segment_tables(field_names: Iterable[str]) -> dict[Any, Callable[[Segment], Any]]:
    """The tables search builds per segment of an index with these fields, by their
    ``segment_table`` key: the index builds them when it writes a segment and stores them with
    it (:mod:`newsearch.segtables`), so that search reads them instead."""
    keys: dict[str, str] = {}  # skeletons, shared by the segments of one commit
    fields = ("title", "body")
    spell = "title_exact" if "title_exact" in field_names else "title"
    return {
        ("variants", fields): lambda seg: _SegmentKeys(seg, fields, keys),
        ("spelling", spell): lambda seg: _SegmentSpelling(seg, spell),
    }


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

    def __init__(self, segment: Segment, field: str) -> None:
        self.words: set[str] = set()
        self.deletes: dict[str, list[str]] = {}
        for tok in segment.terms(field):
            if len(tok) < 3 or not tok.isalpha():
                continue
            self.words.add(tok)
            for d in _deletes(tok):
                self.deletes.setdefault(d, []).append(tok)


#: What one index knows of a word's close spellings: ``(edits, splits)``, the document
#: frequency of each known word one edit away, and of both halves of each two-word split.
#: Counts of disjoint shards add up (:func:`add_correction_counts`).
CorrectionCounts = tuple[dict[str, int], dict[tuple[str, str], tuple[int, int]]]


def correction_counts(view: IndexView, word: str) -> CorrectionCounts:
    """The candidates of :func:`corrections` with their document frequencies in ``view``."""
    from .normalize import normalize

    norm = normalize(word).strip()
    if len(norm) < 3 or not norm.isalpha():
        return {}, {}
    field = "title_exact" if "title_exact" in view.field_names() else "title"
    segments = view.segment_table(("spelling", field), lambda seg: _SegmentSpelling(seg, field))

    def df(tok: str) -> int:
        return view.doc_frequency(field, tok) if any(tok in sp.words for sp in segments) else 0

    found: dict[str, int] = {}
    probes = _deletes(norm) | {norm}
    for sp in segments:
        for probe in probes:
            for cand in sp.deletes.get(probe, ()):
                if cand != norm and cand not in found:
                    found[cand] = -1
            if probe != norm and probe in sp.words and probe not in found:
                found[probe] = -1
    edits = {cand: df(cand) for cand in found if _distance(norm, cand, 1) <= 1}
    splits: dict[tuple[str, str], tuple[int, int]] = {}
    if len(norm) >= 6:
        for i in range(2, len(norm) - 1):
            left, right = norm[:i], norm[i:]
            if len(left) >= 2 and len(right) >= 2:
                splits[(left, right)] = (df(left), df(right))
    return edits, splits


def add_correction_counts(parts: Iterable[CorrectionCounts]) -> CorrectionCounts:
    """The counts of the union of disjoint indexes (shards)."""
    edits: dict[str, int] = {}
    splits: dict[tuple[str, str], tuple[int, int]] = {}
    for e, s in parts:
        for w, n in e.items():
            edits[w] = edits.get(w, 0) + n
        for pair, (a, b) in s.items():
            x, y = splits.get(pair, (0, 0))
            splits[pair] = (x + a, y + b)
    return edits, splits


def rank_corrections(counts: CorrectionCounts, limit: int = 3) -> list[str]:
    """The ``limit`` most frequent close spellings of :func:`correction_counts`."""
    edits, splits = counts
    scored = [(n, cand) for cand, n in edits.items()]
    scored += [(min(a, b), f"{left} {right}") for (left, right), (a, b) in splits.items()]
    scored.sort(key=lambda p: (-p[0], p[1]))
    return [w for n, w in scored if n > 0][:limit]


def corrections(view: IndexView, word: str, limit: int = 3) -> list[str]:
    """Close spellings of ``word`` among the index's whole words (the exact-form title
    vocabulary), most frequent first: words one edit away (a letter added, dropped, changed or
    two swapped), and the word split in two known words (الحكومةالمصرية -> الحكومة المصرية).
    Bounded: a few dictionary lookups, whatever the vocabulary size."""
    return rank_corrections(correction_counts(view, word), limit)


class WordMemo(dict[Any, Any]):
    """What a snapshot's vocabulary remembers about query words; it starts over once it holds
    ``limit`` of them (a snapshot may live for many distinct queries)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self:
            if len(self) >= self.limit:
                self.clear()
            self[key] = make()
        return self[key]


def word_memos() -> dict[str, WordMemo]:
    """The memos a snapshot's vocabulary keeps about query words, by table: whether a word
    looks native (:func:`newsearch.expand.word_looks_native`), its spelling expansions
    (``plan._spellings``) and its spelling variants but native look-alikes
    (``plan._variant_words``)."""
    return {
        "native_words": WordMemo(100_000),
        "spellings": WordMemo(50_000),
        "variant_words": WordMemo(50_000),
    }


def remembered(vocabulary: Any, table: str, key: Any, make: Callable[[], Any]) -> Any:
    """``make()``, remembered in the vocabulary's :class:`WordMemo` ``table`` when it keeps
    one (a vocabulary made for a test need not)."""
    memo = getattr(vocabulary, table, None)
    return make() if memo is None else memo.remember(key, make)


class IndexVocabulary:
    """The :class:`~newsearch.plan.Vocabulary` of one snapshot: name variants, joined
    spellings, known terms and close spellings, from the snapshot's own terms."""

    def __init__(self, view: IndexView, fields: Sequence[str] = ("title", "body")) -> None:
        self.view = view
        self.fields = tuple(fields)
        self._variants: VariantIndex | None = None
        # native_words, spellings, variant_words (see word_memos)
        for table, memo in word_memos().items():
            setattr(self, table, memo)

    @property
    def variant_index(self) -> VariantIndex:
        if self._variants is None:
            self._variants = VariantIndex.for_view(self.view, self.fields)
        return self._variants

    def variants(self, token: str) -> list[str]:
        return self.variant_index.variants(token)

    def joined(self, tokens: Sequence[str]) -> list[str]:
        return self.variant_index.joined(tokens)

    def known(self, field: str, token: str) -> bool:
        return self.view.has_term(field, token)

    def corrections(self, word: str, limit: int = 3) -> list[str]:
        return corrections(self.view, word, limit=limit)

    def frequency(self, field: str, token: str) -> int:
        # Expansions ask about dozens of made-up spellings, most of them not words: the
        # skeleton table (in memory once built) answers "no" without reading the disk.
        if field in self.fields and len(token) >= MIN_VARIANT_CHARS and token.isalpha():
            key = variant_key(token)
            if len(key) >= MIN_KEY_CHARS and token not in self.variant_index.words(key):
                return 0
        return self.view.postings_size(field, token)

    def size(self) -> int:
        return int(self.view.doccount)
