"""Near-duplicates: which articles are copies of one another (a wire dispatch republished by
several papers, the same article filed twice), from MinHash signatures made at ingest.

>>> with ix.searcher() as s:                                   # doctest: +SKIP
...     for c in s.duplicates("SNN-2015-07-21-00042"):
...         print(c.similarity, c.exact, c.source, c.id)

How two articles are compared (measurements behind every constant: ``docs/related.md``):

1. The *copy text* of an article is its body, normalized as the index normalizes
   (:func:`newsearch.normalize.normalize`) and cut into words (punctuation dropped). A paper
   republishing a dispatch often writes its own headline, so the title is left out, except
   when the body is shorter than :data:`MIN_BODY_CHARS`: a caption or a one-line disclaimer
   does not identify an article, so there the copy text is title + body. A copy text of fewer
   than :data:`MIN_WORDS` words gets no signature and is nobody's copy.
2. Its shingles are the runs of :data:`SHINGLE_WORDS` consecutive words; a datasketch
   ``MinHash`` of them (:data:`NUM_PERM` permutations, scheme ``affine32``, seed
   :data:`SEED`) estimates the Jaccard similarity of two shingle sets. Each shingle's input
   hash is ``zlib.crc32`` (datasketch's ``hashfunc`` option, which its scheme premixes with the
   MurmurHash3 finalizer) rather than the default SHA-1: SHA-1 through a Python function was
   0.4 ms of the 1 ms a signature took; measured recall and precision moved by at most 0.3
   points either way.
3. Locality-sensitive hashing: the MinHash values are cut into :data:`BANDS` bands of
   :data:`ROWS`; each band becomes a key (blake2b of its bytes) indexed in the ``dupkeys``
   field. Two articles sharing a key are candidates: finding them is a Whoosh term lookup.
4. A candidate is a copy when :func:`is_copy` says so: the same words in the same order
   (``exact``), or an estimated Jaccard of at least :data:`THRESHOLD`; and when either text is
   headline-sized (fewer than :data:`SHORT_SHINGLES` shingles), also the same numbers and
   negation words, since one word there is the whole claim ("killed 22" is not a copy of
   "killed 53", nor "we plan" of "we do not plan"). In a long text a changed number is mostly
   a copy edit (a date written another way), so there the check is not made (measured: made
   on every text it cost 2 points of recall on ANT's copies and 19 on SaudiNewsNet's).

A signature is one ``uint32`` array (stored in the ``dupsig`` column, read without unpickling
the stored body):

=========  ======================================================================
slots      content
=========  ======================================================================
``0:2``    blake2b-64 of the copy text's words: equal means an exact copy
``2:4``    blake2b-64 of the sorted numbers and negation words of the copy text
``4``      number of distinct shingles
``5:``     the :data:`NUM_PERM` MinHash values
=========  ======================================================================

Changing any constant of this module changes signatures: bump
:data:`newsearch.schema.SCHEMA_VERSION` with it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import ArticleNotFoundError, IndexMismatchError
from .normalize import normalize

__all__ = [
    "BANDS",
    "MIN_BODY_CHARS",
    "MIN_WORDS",
    "NUM_PERM",
    "ROWS",
    "SHINGLE_WORDS",
    "SHORT_SHINGLES",
    "THRESHOLD",
    "Copy",
    "DuplicateGroup",
    "DuplicateView",
    "Signature",
    "band_keys",
    "duplicate_fields",
    "exact",
    "find_duplicates",
    "is_copy",
    "signature_of",
    "similarity",
]

Signature = npt.NDArray[np.uint32]

#: Words per shingle.
SHINGLE_WORDS = 2
#: MinHash permutations (signature values).
NUM_PERM = 128
#: LSH bands and rows per band (``BANDS * ROWS <= NUM_PERM``): two articles whose shingle
#: sets have Jaccard similarity ``s`` share a band key with probability
#: ``1 - (1 - s**ROWS)**BANDS``.
BANDS = 21
ROWS = 6
#: Estimated Jaccard similarity from which two articles are copies.
THRESHOLD = 0.8
#: Texts with fewer distinct shingles than this must also agree on numbers and negations.
SHORT_SHINGLES = 40
#: A body shorter than this (normalized words, single spaces) is compared with its title.
MIN_BODY_CHARS = 200
#: Copy texts with fewer words get no signature.
MIN_WORDS = 6
#: datasketch's MinHash seed (its default); fixed, so signatures agree across processes.
SEED = 1
SCHEME = "affine32"

#: Names of the schema fields (see :mod:`newsearch.schema`).
SIGNATURE_FIELD = "dupsig"
KEYS_FIELD = "dupkeys"

HEADER = 5
SIGNATURE_LEN = HEADER + NUM_PERM
SIGNATURE_BYTES = 4 * SIGNATURE_LEN
#: find_duplicates: a band bucket larger than this is linked as a star around its first
#: members instead of all pairs (keeps one huge bucket from costing quadratic time).
MAX_BUCKET = 300

#: A word: letters and digits. "_" separates (AlArabiya writes hashtags as اليمين_المتطرف).
_WORD = re.compile(r"[^\W_]+")
#: Negation particles and their clitic forms, in normalized spelling.
_NEGATION_WORDS = """
لا ولا فلا لم ولم فلم لن ولن فلن ليس وليس فليس ليست وليست ليسوا ليسا لست لسنا
غير وغير بغير عدم وعدم بعدم بلا دون ودون بدون وبدون
"""
NEGATIONS = frozenset(_NEGATION_WORDS.split())


def params() -> dict[str, Any]:
    """The constants that shape a signature (recorded in an index's manifest)."""
    return {
        "shingle_words": SHINGLE_WORDS,
        "num_perm": NUM_PERM,
        "bands": BANDS,
        "rows": ROWS,
        "seed": SEED,
        "scheme": SCHEME,
        "hashfunc": "zlib.crc32",
        "threshold": THRESHOLD,
        "short_shingles": SHORT_SHINGLES,
        "min_body_chars": MIN_BODY_CHARS,
        "min_words": MIN_WORDS,
    }


# --- signatures -------------------------------------------------------------------------------


def copy_words(text: str, title: str = "") -> list[str]:
    """The words of the copy text: ``text`` (a body) normalized and cut into words, or
    ``title`` + ``text`` when the body is shorter than :data:`MIN_BODY_CHARS`."""
    words = _WORD.findall(normalize(text))
    if title and sum(map(len, words)) + len(words) - 1 < MIN_BODY_CHARS:
        words = _WORD.findall(normalize(title)) + words
    return words


@cache
def _template() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32)


def _digest(words: Iterable[str]) -> tuple[int, int]:
    d = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(d[:4], "little"), int.from_bytes(d[4:], "little")


def signature_of(text: str, title: str = "") -> Signature | None:
    """The signature of an article with body ``text`` (and ``title``), or of pasted text;
    ``None`` when its copy text has fewer than :data:`MIN_WORDS` words."""
    return _signature(copy_words(text, title))


def _signature(words: list[str]) -> Signature | None:
    if len(words) < MIN_WORDS:
        return None
    from datasketch import MinHash

    encoded = [w.encode("utf-8") for w in words]
    runs = zip(*(encoded[k:] for k in range(SHINGLE_WORDS)), strict=False)  # shorter tails
    shingles = {b" ".join(t) for t in runs}
    m = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        scheme=SCHEME,
        hashfunc=zlib.crc32,
        permutations=_template().permutations,
    )
    m.update_batch(shingles)
    sig = np.empty(SIGNATURE_LEN, dtype=np.uint32)
    sig[0:2] = _digest(words)
    sig[2:4] = _digest(sorted([w for w in words if w in NEGATIONS or w.isdigit()]))
    sig[4] = len(shingles)
    sig[HEADER:] = m.hashvalues
    return sig


def band_keys(sig: Signature) -> list[str]:
    """The LSH band keys of a signature (one term of the ``dupkeys`` field each)."""
    values = sig[HEADER:]
    return [
        hashlib.blake2b(
            values[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8, person=b"band%d" % b
        ).hexdigest()
        for b in range(BANDS)
    ]


def duplicate_fields(title: str, body: str) -> dict[str, Any]:
    """The schema fields an article's signature fills (nothing for a too short text)."""
    sig = signature_of(body, title)
    if sig is None:
        return {}
    return {SIGNATURE_FIELD: sig.astype("<u4").tobytes(), KEYS_FIELD: " ".join(band_keys(sig))}


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets (datasketch's estimator:
    the share of equal MinHash values); 1.0 for exact copies."""
    if exact(a, b):
        return 1.0
    return float(np.count_nonzero(a[HEADER:] == b[HEADER:])) / NUM_PERM


def exact(a: Signature, b: Signature) -> bool:
    """The same words in the same order (normalized, punctuation aside)."""
    return bool(a[0] == b[0] and a[1] == b[1])


def is_copy(a: Signature, b: Signature, min_similarity: float | None = None) -> bool:
    """The decision rule: exact, or a similarity of at least ``min_similarity`` (default
    :data:`THRESHOLD`) and, for headline-sized texts, the same numbers and negation words."""
    if exact(a, b):
        return True
    short = min(int(a[4]), int(b[4])) < SHORT_SHINGLES
    if short and (a[2] != b[2] or a[3] != b[3]):
        return False
    return similarity(a, b) >= (THRESHOLD if min_similarity is None else min_similarity)


# --- results ----------------------------------------------------------------------------------


@dataclass
class Copy:
    """An article that is a copy of another one (``similarity``: estimated Jaccard similarity
    of their copy texts, 1.0 for ``exact`` copies)."""

    id: str
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    similarity: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "similarity": self.similarity,
            "exact": self.exact,
        }


@dataclass
class DuplicateGroup:
    """Articles that are copies of one another: the first published (``representative``) and
    every member, representative first (``similarity``/``exact`` relative to it)."""

    representative: Copy
    members: list[Copy] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.members]

    def __len__(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "representative": self.representative.id,
            "size": len(self.members),
            "members": [m.to_dict() for m in self.members],
        }


# --- lookups ----------------------------------------------------------------------------------


class DuplicateView:
    """Near-duplicate lookups over one snapshot of an index.

    ``source``: a :class:`~newsearch.search.Searcher` (prefer :meth:`of`, which caches the view
    on it), a Whoosh searcher or a Whoosh reader; the view reads through it and never closes
    it. Each lookup is a few term lookups and column reads: cheap enough to run for every
    candidate of a related-news list.
    """

    def __init__(self, source: Any) -> None:
        whoosh = getattr(source, "whoosh", None)
        if whoosh is not None and hasattr(whoosh, "reader"):  # a newsearch Searcher
            source = whoosh
        self.reader = source.reader() if hasattr(source, "reader") else source
        schema = self.reader.schema
        if SIGNATURE_FIELD not in schema or KEYS_FIELD not in schema:
            raise IndexMismatchError(
                "this index has no near-duplicate signatures (built before schema version 3); "
                "rebuild it from its source files"
            )
        # One column reader per segment: Whoosh's multi-segment column reader skips segments
        # without the column and then maps document numbers to the wrong segment.
        self._offsets: list[int] = []
        self._columns: list[Any] = []
        if self._docs():
            for seg, offset in self.reader.leaf_readers():
                self._offsets.append(int(offset))
                self._columns.append(seg.column_reader(SIGNATURE_FIELD, translate=False))

    @classmethod
    def of(cls, searcher: Any) -> DuplicateView:
        """The view of a :class:`~newsearch.search.Searcher`, made once and kept on it."""
        view = getattr(searcher, "_duplicate_view", None)
        if view is None:
            view = cls(searcher)
            searcher._duplicate_view = view
        return view

    def _docs(self) -> int:
        return int(self.reader.doc_count_all())

    # -- signatures
    def docnum(self, article_id: str) -> int:
        """The document number of a live article; :class:`ArticleNotFoundError` if none."""
        from whoosh.reading import TermNotFound

        try:
            return int(self.reader.first_id("id", article_id))
        except (TermNotFound, KeyError):
            raise ArticleNotFoundError(article_id) from None

    def signature(self, docnum: int) -> Signature | None:
        """The stored signature of a document; ``None`` when its text was too short."""
        if not self._columns or not 0 <= docnum < self._docs():
            return None
        i = bisect_right(self._offsets, docnum) - 1
        raw = self._columns[i][docnum - self._offsets[i]]
        sig = np.frombuffer(raw, dtype="<u4").astype(np.uint32, copy=False)
        return sig if len(sig) == SIGNATURE_LEN and sig[4] else None

    @staticmethod
    def signature_of(text: str, title: str = "") -> Signature | None:
        """The signature of text that need not be in the index (see :func:`signature_of`)."""
        return signature_of(text, title)

    similarity = staticmethod(similarity)
    is_copy = staticmethod(is_copy)

    # -- candidates and copies
    def candidates(self, sig: Signature) -> list[int]:
        """Live documents sharing at least one band key with ``sig`` (sorted docnums)."""
        from whoosh.reading import TermNotFound

        out: set[int] = set()
        for key in band_keys(sig):
            try:
                postings = self.reader.postings(KEYS_FIELD, key)
            except (TermNotFound, KeyError):
                continue
            out.update(postings.all_ids())
        return sorted(out)

    def copies_of(
        self,
        sig: Signature | None,
        *,
        min_similarity: float | None = None,
        exclude: int | None = None,
    ) -> list[tuple[int, float]]:
        """``(docnum, similarity)`` of every copy of ``sig`` in the index, most similar first."""
        if sig is None:
            return []
        out = []
        for d in self.candidates(sig):
            if d == exclude:
                continue
            other = self.signature(d)
            if other is not None and is_copy(sig, other, min_similarity):
                out.append((d, similarity(sig, other)))
        out.sort(key=lambda p: (-p[1], p[0]))
        return out

    def copies(self, docnum: int, min_similarity: float | None = None) -> list[tuple[int, float]]:
        """``(docnum, similarity)`` of every copy of a document, most similar first."""
        return self.copies_of(self.signature(docnum), min_similarity=min_similarity, exclude=docnum)

    def copy(self, docnum: int, similarity: float, exact: bool) -> Copy:
        """The :class:`Copy` of a document, from its stored fields."""
        stored = self.reader.stored_fields(docnum) or {}
        published = stored.get("published")
        if isinstance(published, datetime) and published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return Copy(
            id=stored.get("id", ""),
            title=stored.get("title") or "",
            source=stored.get("source"),
            url=stored.get("url"),
            published=published,
            similarity=similarity,
            exact=exact,
        )

    def duplicates(self, article_id: str, *, min_similarity: float | None = None) -> list[Copy]:
        """The copies of an article (see :meth:`Searcher.duplicates
        <newsearch.search.Searcher.duplicates>`)."""
        d = self.docnum(article_id)
        return self.duplicates_of(self.signature(d), min_similarity=min_similarity, exclude=d)

    def duplicates_of(
        self,
        sig: Signature | None,
        *,
        min_similarity: float | None = None,
        exclude: int | None = None,
    ) -> list[Copy]:
        """The copies of a signature (e.g. of pasted text, :meth:`signature_of`) as
        :class:`Copy` objects, most similar first; ``exclude``: a docnum left out."""
        out = []
        for other, sim in self.copies_of(sig, min_similarity=min_similarity, exclude=exclude):
            osig = self.signature(other)
            out.append(
                self.copy(other, sim, sig is not None and osig is not None and exact(sig, osig))
            )
        return out

    # -- the whole index
    def signatures(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
        """Every document's signature (one row each) and which rows are live signatures."""
        n = self._docs()
        sigs = np.zeros((n, SIGNATURE_LEN), dtype=np.uint32)
        if self._columns and n:
            blob = b"".join(v for column in self._columns for v in column)
            sigs[:] = np.frombuffer(blob, dtype="<u4").reshape(n, SIGNATURE_LEN)
        ok = sigs[:, 4] > 0
        if self.reader.has_deletions():
            ok &= np.array([not self.reader.is_deleted(d) for d in range(n)], dtype=bool)
        return sigs, ok

    def groups(self, *, min_similarity: float | None = None) -> list[DuplicateGroup]:
        """Every group of copies in the index (see :func:`find_duplicates`)."""
        sigs, ok = self.signatures()
        pairs = _candidate_pairs(sigs, ok)
        edges = [(int(a), int(b)) for a, b in pairs if is_copy(sigs[a], sigs[b], min_similarity)]
        groups = []
        for comp in _components(edges):
            found = {d: self.copy(d, 1.0, True) for d in comp}  # stored fields, once each
            members = sorted(comp, key=lambda d: (found[d].published or _NEVER, d))
            rep = sigs[members[0]]
            copies = []
            for d in members:
                c = found[d]
                c.similarity, c.exact = similarity(rep, sigs[d]), exact(rep, sigs[d])
                copies.append(c)
            groups.append(DuplicateGroup(copies[0], copies))
        groups.sort(key=lambda g: (-len(g), g.representative.published or _NEVER, g.ids[0]))
        return groups


_NEVER = datetime.max.replace(tzinfo=UTC)


def _candidate_pairs(
    sigs: npt.NDArray[np.uint32], ok: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Pairs ``(a, b)``, ``a < b``, of live documents sharing a band: the band keys, grouped
    in numpy from the signatures (the same keys the ``dupkeys`` field holds)."""
    docs = np.flatnonzero(ok)
    n = len(sigs)
    chunks: list[npt.NDArray[np.int64]] = []
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    for b in range(BANDS):
        band = np.ascontiguousarray(sigs[docs, HEADER + b * ROWS : HEADER + (b + 1) * ROWS])
        keys = band.view(np.dtype((np.void, 4 * ROWS))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared = counts[inverse] > 1
        if not shared.any():
            continue
        members = docs[shared]
        bucket = inverse[shared]
        order = np.argsort(bucket, kind="stable")
        members, bucket = members[order], bucket[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(bucket)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            group = members[s:e]
            if len(group) > MAX_BUCKET:
                i = np.zeros(len(group) - 1, dtype=np.int64)
                j = np.arange(1, len(group), dtype=np.int64)
            else:
                i, j = np.triu_indices(len(group), 1)
            chunks.append(group[i] * n + group[j])
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1)


def _components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict[int, list[int]] = {}
    for x in parent:
        out.setdefault(find(x), []).append(x)
    return [sorted(c) for c in out.values()]


def find_duplicates(index: Any, *, min_similarity: float | None = None) -> list[DuplicateGroup]:
    """Every group of copies in an index (a :class:`~newsearch.index.NewsIndex` or a
    :class:`~newsearch.search.Searcher`), largest first.

    Candidates are the pairs sharing a band key (never all pairs); each is verified by
    :func:`is_copy`, and a group is a connected component of verified pairs (so a member is a
    copy of at least one other member, not necessarily of the representative).
    """
    if hasattr(index, "reader") and hasattr(index, "searcher") and hasattr(index, "manifest"):
        with index.reader() as r:
            return DuplicateView(r).groups(min_similarity=min_similarity)
    return DuplicateView.of(index).groups(min_similarity=min_similarity)
