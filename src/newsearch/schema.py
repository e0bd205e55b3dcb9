"""The Whoosh schema of a news index, and the conversion of an :class:`Article` to a document.

Fields:

===============  ===========================  ==========================================
field            Whoosh type                  why
===============  ===========================  ==========================================
``id``           ID unique, stored, sortable  upsert/delete/get by id
``title``        TEXT, stemmed, positions     ranking, phrases; stored for display and
``body``         TEXT, stemmed, positions     highlighting from the original text
``title_exact``  TEXT, normalized, positions  exact-word and exact-phrase boosting (the
``body_exact``   TEXT, normalized, positions  ``exact`` analyzer: no stemming); body_exact
                                              only with ``exact_fields=("title", "body")``
``published``    DATETIME sortable, stored    date filters, newest/oldest sort
``source``       ID sortable, stored          facet and filter
``category``     ID sortable, stored          facet and filter (the primary category)
``categories``   KEYWORD (comma list)         filter on any category the article is in
``tags``         KEYWORD (comma list)         filter on tags
``author``       ID stored                    filter
``url``          STORED                       display
``extras``       STORED                       unknown input fields, returned as stored
``truncated``    STORED                       fields cut to the length cap at ingest
``hash``         ID sortable                  content fingerprint: re-ingest = no change
                                              (it covers id, source, url...: two copies of
                                              one text under two ids differ)
``dupsig``       COLUMN (fixed-size bytes)    near-duplicate signature (MinHash, text
                                              fingerprint; :mod:`.duplicates`), read per
                                              document without unpickling the stored body
``dupkeys``      KEYWORD, not scorable        its LSH band keys: finding an article's
                                              copies is a term lookup
``title_pairs``  TEXT, adjacent stem pairs    proximity: query words that stand next to
``body_pairs``   TEXT, pairs of the lead      each other in the title or the body's first
                                              :data:`LEAD_PAIR_WORDS` words
===============  ===========================  ==========================================

Schema versions: 1, the fields above without ``dupsig``/``dupkeys`` and the ``*_pairs``
fields; 3 adds both (2 was each of them alone, on two development branches), so an index built
by an earlier version must be rebuilt (:meth:`NewsIndex.open
<newsearch.index.NewsIndex.open>` says so); 4 (this version) gives the positional fields
(``title``, ``body``, the exact twins) :class:`~newsearch.positions.PackedPositions`, whose
postings every segment keeps in its side file (:func:`side_fields`). The same terms, postings
and positions: an index of schema 3 is still read and written (:data:`READABLE_SCHEMAS`), its
positional postings where Whoosh keeps them. Articles whose text is too short to identify
(:data:`~newsearch.duplicates.MIN_WORDS`) have neither field filled.

Why ``body_exact`` is opt-in: Whoosh's writer spends most of an ingest on per-posting work, and
an unstemmed twin of the body doubles the postings. Measured on 2,000 ANT articles: 108 docs/s
with both twins, 204 docs/s with the title twin only (stock Whoosh: 172). See
``docs/benchmarks.md``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import AnalyzerSpec, PairFilter, build_analyzer
from .article import Article
from .duplicates import KEYS_FIELD, SIGNATURE_BYTES, SIGNATURE_FIELD, duplicate_fields
from .positions import PackedPositions

__all__ = [
    "LEAD_PAIR_WORDS",
    "READABLE_SCHEMAS",
    "SCHEMA_VERSION",
    "SIDE_FIELDS",
    "article_to_document",
    "build_schema",
    "document_to_article",
    "side_fields",
    "stored_published",
]

#: Bump when fields change in a way an old index cannot serve.
SCHEMA_VERSION = 4
#: Schema versions this library opens: 3 differs from 4 only in how positions are stored.
READABLE_SCHEMAS = (3, 4)
TEXT_FIELDS = ("title", "body")
DEFAULT_EXACT_FIELDS = ("title",)
#: Words of the body's start (its lead) whose adjacent pairs are indexed in ``body_pairs``:
#: a news lead states the story, and pairing the whole body would double its postings.
LEAD_PAIR_WORDS = 80
#: Characters of the body handed to the ``body_pairs`` analyzer (ample for the lead).
_LEAD_CHARS = 2_000
#: Fields whose terms and postings each segment keeps in its side file
#: (:mod:`newsearch.sidecodec`) instead of Whoosh's terms table: their terms are most of an
#: index's terms (word pairs and band keys, one or two articles each), each of which cost a
#: whole terms-table entry. Their lengths stay with Whoosh (BM25 reads them as before).
SIDE_FIELDS = ("body_pairs", "title_pairs", KEYS_FIELD)


def side_fields(schema: Schema) -> tuple[str, ...]:
    """The fields a segment of ``schema`` keeps in its side file: :data:`SIDE_FIELDS` and
    the positional fields whose format is :class:`~newsearch.positions.PackedPositions`
    (schema 4; Whoosh's terms table and posting blocks cost a pickle and a zlib stream per
    term, and per posting a pickled list of positions, at ingest and at every cold read)."""
    packed = [n for n, f in schema.items() if isinstance(f.format, PackedPositions)]
    return tuple(sorted({*SIDE_FIELDS, *packed} & set(schema.names())))


def _positional(analyzer: Any, stored: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=True, stored=stored)
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field


def build_schema(
    analyzer: AnalyzerSpec,
    exact: AnalyzerSpec,
    exact_fields: tuple[str, ...] = DEFAULT_EXACT_FIELDS,
) -> Schema:
    from .errors import ConfigError

    bad = sorted(set(exact_fields) - set(TEXT_FIELDS))
    if bad:
        raise ConfigError(f"exact_fields must be among {TEXT_FIELDS}, got {bad}")
    stemmed = build_analyzer(analyzer)
    plain = build_analyzer(exact)
    twins = {f"{name}_exact": _positional(plain) for name in exact_fields}
    pairs = {
        # The stemmed analyzer's memo serves its pair fields too (analysis.NewsAnalyzer.__or__).
        "title_pairs": TEXT(analyzer=stemmed | PairFilter(), phrase=False),
        "body_pairs": TEXT(analyzer=stemmed | PairFilter(LEAD_PAIR_WORDS), phrase=False),
    }
    return Schema(
        **twins,
        **pairs,
        id=ID(stored=True, unique=True, sortable=True),
        title=_positional(stemmed, stored=True),
        body=_positional(stemmed, stored=True),
        published=_dates(),
        source=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        categories=KEYWORD(stored=True, commas=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, scorable=False, lowercase=True),
        author=ID(stored=True),
        url=STORED(),
        extras=STORED(),
        truncated=STORED(),
        hash=ID(sortable=True),
        **{
            SIGNATURE_FIELD: COLUMN(FixedBytesColumn(SIGNATURE_BYTES)),
            KEYS_FIELD: KEYWORD(scorable=False),
        },
    )


def _dates() -> Any:
    """``published``: filters, sorting and facets read its column; its terms serve only a
    ``published:`` range typed in advanced mode. Whoosh's DATETIME indexes each date at 8
    precisions (``shift_step=8``, not settable through its constructor) for faster ranges:
    8 terms an article, 62 % of the postings of the fields Whoosh writes itself, for no use of
    ours. One precision (``shift_step=0``: a range reads the terms inside it); an index keeps
    the field as it was made, and any Whoosh reads both."""
    field = DATETIME(stored=True, sortable=True)
    field.shift_step = 0
    return field


def content_hash(article: Article) -> str:
    """A fingerprint of everything stored for ``article``: equal hashes = nothing to update."""
    data = article.to_dict()
    data["_truncated"] = list(article.truncated)
    blob = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def article_to_document(
    article: Article,
    digest: str | None = None,
    exact_fields: tuple[str, ...] = DEFAULT_EXACT_FIELDS,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "hash": digest or content_hash(article),
    }
    for name in exact_fields:
        doc[f"{name}_exact"] = doc[name]
    doc["title_pairs"] = article.title
    doc["body_pairs"] = article.body[:_LEAD_CHARS]
    if article.published is not None:
        # Whoosh's DATETIME wants naive datetimes: we store UTC and re-attach the zone on read.
        doc["published"] = article.published.astimezone(UTC).replace(tzinfo=None)
    for name in ("source", "category", "author", "url"):
        value = getattr(article, name)
        if value:
            doc[name] = value
    if article.categories:
        doc["categories"] = ",".join(c.replace(",", " ") for c in article.categories)
    if article.tags:
        doc["tags"] = ",".join(t.replace(",", " ") for t in article.tags)
    if article.extras:
        doc["extras"] = dict(article.extras)
    if article.truncated:
        doc["truncated"] = list(article.truncated)
    doc.update(duplicate_fields(article.title, article.body))
    return doc


def stored_published(value: Any) -> datetime | None:
    """A stored ``published`` value as an aware UTC datetime (Whoosh stores it naive, in UTC)."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def document_to_article(fields: dict[str, Any]) -> Article:
    """Rebuild the :class:`Article` from a hit's stored fields."""
    published = stored_published(fields.get("published"))

    def split(name: str) -> tuple[str, ...]:
        value = fields.get(name) or ""
        return tuple(v for v in value.split(",") if v)

    return Article(
        id=fields["id"],
        title=fields.get("title") or "",
        body=fields.get("body") or "",
        published=published,
        source=fields.get("source"),
        category=fields.get("category"),
        categories=split("categories"),
        url=fields.get("url"),
        author=fields.get("author"),
        tags=split("tags"),
        extras=fields.get("extras") or {},
        truncated=tuple(fields.get("truncated") or ()),
    )
