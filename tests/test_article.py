"""The article model: validation with precise reasons, dates to UTC, extras kept."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsearch.article import MAX_FIELD_CHARS, Article, parse_published
from newsearch.errors import ArticleError, NewsearchError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-03-24T10:00:00Z", datetime(2018, 3, 24, 10, tzinfo=UTC)),
        ("2018-03-24T12:00:00+02:00", datetime(2018, 3, 24, 10, tzinfo=UTC)),
        ("2018-03-24T10:00:00", datetime(2018, 3, 24, 10, tzinfo=UTC)),  # no zone = UTC
        ("2018-03-24 10:00:00", datetime(2018, 3, 24, 10, tzinfo=UTC)),
        ("2018-03-24", datetime(2018, 3, 24, tzinfo=UTC)),
        (1521885600, datetime(2018, 3, 24, 10, tzinfo=UTC)),
        (1521885600.5, datetime(2018, 3, 24, 10, 0, 0, 500000, tzinfo=UTC)),
        ("1521885600", datetime(2018, 3, 24, 10, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_parse_published(value: object, expected: datetime | None) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "24/03/2018", "2018-13-01", 1521885600000, True, [2018], float("nan")]
)
def test_parse_published_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_published(value)


def test_from_dict_full() -> None:
    a = Article.from_dict(
        {
            "id": "a1",
            "title": " عنوان ",
            "body": "نص",
            "published": "2018-03-24T12:00:00+02:00",
            "source": "BBC",
            "categories": ["sport", "economy"],
            "url": "http://x",
            "author": "م",
            "tags": ["كرة", "كرة", " "],
            "abstract": "ملخص",
            "orig_path": "x/y",
        }
    )
    assert a.published == datetime(2018, 3, 24, 10, tzinfo=UTC)
    assert a.category == "sport" and a.categories == ("sport", "economy")
    assert a.tags == ("كرة",)
    assert a.extras == {"abstract": "ملخص", "orig_path": "x/y"}
    assert Article.from_dict(a.to_dict()) == a


def test_int_id_is_text_and_category_joins_categories() -> None:
    a = Article.from_dict({"id": 7, "body": "x", "category": "sport", "categories": ["economy"]})
    assert a.id == "7" and a.categories == ("sport", "economy")


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        ([1, 2], None, "expected a JSON object, got array"),
        ("text", None, "expected a JSON object, got string"),
        ({"title": "x"}, "id", "missing"),
        ({"id": "", "title": "x"}, "id", "empty"),
        ({"id": "  ", "title": "x"}, "id", "empty"),
        ({"id": True, "title": "x"}, "id", "must be a string, got boolean"),
        ({"id": ["a"], "title": "x"}, "id", "must be a string, got array"),
        ({"id": "a"}, "title/body", "no text"),
        ({"id": "a", "title": " ", "body": "\n"}, "title/body", "no text"),
        ({"id": "a", "title": 5}, "title", "must be a string, got number"),
        ({"id": "a", "body": {"x": 1}}, "body", "must be a string, got object"),
        ({"id": "a", "body": "x", "published": "soon"}, "published", "not an ISO 8601"),
        ({"id": "a", "body": "x", "source": 3}, "source", "must be a string"),
        ({"id": "a", "body": "x", "tags": [1]}, "tags", "list of strings"),
    ],
)
def test_from_dict_rejections(record: object, field: str | None, reason: str) -> None:
    with pytest.raises(ArticleError) as e:
        Article.from_dict(record)
    assert e.value.field == field
    assert reason in str(e.value)
    assert isinstance(e.value, NewsearchError)


def test_huge_body_is_truncated_and_flagged() -> None:
    a = Article.from_dict({"id": "a", "body": "ب" * (MAX_FIELD_CHARS + 10)})
    assert len(a.body) == MAX_FIELD_CHARS and a.truncated == ("body",)
    small = Article.from_dict({"id": "a", "body": "abc def"}, max_field_chars=3)
    assert small.body == "abc"


@given(st.dictionaries(st.text(max_size=8), st.none() | st.integers() | st.text(max_size=20)))
def test_from_dict_never_raises_anything_but_article_error(data: dict[str, object]) -> None:
    with contextlib.suppress(ArticleError):
        Article.from_dict(data)
