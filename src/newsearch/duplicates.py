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
from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

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
    "Signature",
    "band_keys",
    "duplicate_fields",
    "exact",
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
