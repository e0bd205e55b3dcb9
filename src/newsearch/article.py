"""The article model: one news article, validated, with its publication time in UTC.

No Whoosh here: this layer only turns a JSON object into an :class:`Article` or explains, field
by field, why it cannot (:class:`~newsearch.errors.ArticleError`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import ArticleError

__all__ = ["KNOWN_FIELDS", "MAX_FIELD_CHARS", "Article", "parse_published"]

#: Longest title/body kept, in characters. Longer text is truncated at ingest (and reported):
#: a real article is a few thousand characters; megabytes are scraper accidents, and Whoosh
#: would spend seconds and memory on them.
MAX_FIELD_CHARS = 200_000

KNOWN_FIELDS = (
    "id", "title", "body", "published", "source", "category", "categories", "url", "author",
    "tags",
)  # fmt: skip

# Epoch seconds within 1900..2200: anything else is a unit mistake (milliseconds) or garbage.
_EPOCH_MIN, _EPOCH_MAX = -2_208_988_800, 7_258_118_400
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")


def parse_published(value: Any) -> datetime | None:
    """Parse a publication time: ISO 8601 with or without zone (no zone = UTC), a date
    (midnight UTC), or epoch seconds (number or numeric string). Returns an aware UTC datetime,
    ``None`` for null/empty; raises ``ValueError`` saying what was wrong otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a date, got {value!r}")
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        value = float(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not _EPOCH_MIN <= value <= _EPOCH_MAX:
            raise ValueError(f"epoch seconds out of range (1900-2200): {value!r}")
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(
            f"expected an ISO 8601 string or epoch seconds, got {type(value).__name__}"
        )
    text = value.strip()
    try:
        if len(text) == 10 and text[4] == "-":
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date/time: {value!r}") from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _opt_str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArticleError(name, f"must be a string, got {type(value).__name__}")
    return value.strip() or None


def _str_list(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArticleError(name, "must be a string or a list of strings")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


@dataclass(frozen=True, slots=True)
class Article:
    """One news article.

    ``id`` is required and at least one of ``title`` and ``body`` must have text.
    ``published`` is an aware UTC datetime (or ``None``). Fields the model does not know are
    kept in ``extras`` and returned as stored.
    """

    id: str
    title: str = ""
    body: str = ""
    published: datetime | None = None
    source: str | None = None
    category: str | None = None
    categories: tuple[str, ...] = ()
    url: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)
    #: Names of fields cut to :data:`MAX_FIELD_CHARS` when the article was read.
    truncated: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ArticleError("id", "missing or empty")
        if not (self.title.strip() or self.body.strip()):
            raise ArticleError("title/body", "no text: title and body are both empty")
        if self.published is not None and self.published.tzinfo is None:
            object.__setattr__(self, "published", self.published.replace(tzinfo=UTC))

    @classmethod
    def from_dict(cls, data: Any, *, max_field_chars: int = MAX_FIELD_CHARS) -> Article:
        """Validate one JSON object. Raises :class:`ArticleError` naming the bad field."""
        if not isinstance(data, Mapping):
            raise ArticleError(None, f"expected a JSON object, got {_json_type(data)}")
        raw_id = data.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
            raise ArticleError(
                "id", "missing" if raw_id is None else f"must be a string, got {_json_type(raw_id)}"
            )
        article_id = str(raw_id).strip()
        if not article_id:
            raise ArticleError("id", "empty")
        texts: dict[str, str] = {}
        truncated = []
        for name in ("title", "body"):
            value = data.get(name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ArticleError(name, f"must be a string, got {_json_type(value)}")
            if len(value) > max_field_chars:
                value = value[:max_field_chars]
                truncated.append(name)
            texts[name] = value
        if not (texts["title"].strip() or texts["body"].strip()):
            raise ArticleError("title/body", "no text: title and body are both empty")
        try:
            published = parse_published(data.get("published"))
        except ValueError as e:
            raise ArticleError("published", str(e)) from None
        category = _opt_str(data, "category")
        categories = _str_list(data, "categories")
        if category and category not in categories:
            categories = (category, *categories)
        if not category and categories:
            category = categories[0]
        extras = {k: v for k, v in data.items() if k not in KNOWN_FIELDS}
        return cls(
            id=article_id,
            title=texts["title"],
            body=texts["body"],
            published=published,
            source=_opt_str(data, "source"),
            category=category,
            categories=categories,
            url=_opt_str(data, "url"),
            author=_opt_str(data, "author"),
            tags=_str_list(data, "tags"),
            extras=extras,
            truncated=tuple(truncated),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``published`` as ISO 8601 with ``Z``); extras merged back in."""
        out: dict[str, Any] = dict(self.extras)
        out.update(
            id=self.id,
            title=self.title,
            body=self.body,
            published=self.published.strftime("%Y-%m-%dT%H:%M:%SZ") if self.published else None,
            source=self.source,
            category=self.category,
            categories=list(self.categories),
            url=self.url,
            author=self.author,
            tags=list(self.tags),
        )
        return out

    def with_text(self, title: str, body: str) -> Article:
        """A copy with other title/body (what a cleaner returns)."""
        return replace(self, title=title, body=body)


def _json_type(value: Any) -> str:
    return {
        dict: "object", list: "array", str: "string", int: "number", float: "number",
        bool: "boolean", type(None): "null",
    }.get(type(value), type(value).__name__)  # fmt: skip
