"""The one error hierarchy of newsearch: every error the library raises on purpose is a
:class:`NewsearchError`, so an application can catch them all in one place."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArticleError",
    "ArticleNotFoundError",
    "ConfigError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IngestAborted",
    "MissingExtraError",
    "NewsearchError",
    "OptionError",
    "UnknownComponentError",
    "WorkerFailedError",
]


class NewsearchError(Exception):
    """Base class of every error raised by newsearch."""


class ConfigError(NewsearchError, ValueError):
    """An option or parameter has a value the library cannot use."""


class OptionError(ConfigError):
    """A request option has a bad value: ``option`` is the field's name (each surface shows
    its own name for it: a CLI flag, an HTTP parameter), ``reason`` what is wrong."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(f"{option}: {reason}")


class MissingExtraError(NewsearchError, ImportError):
    """A feature needs packages of an optional extra that are not installed.

    ``extra`` names the extra (``"bench"``, ``"web"``), ``missing`` the modules not found; the
    message ends with the command that installs them. An :class:`ImportError`, not a
    configuration error: nothing is wrong with the arguments, the environment lacks a package.
    """

    def __init__(self, extra: str, missing: list[str], what: str) -> None:
        self.extra = extra
        self.missing = list(missing)
        super().__init__(
            f"{what} needs the [{extra}] extra ({', '.join(self.missing)} not installed): "
            f"pip install 'newsearch[{extra}]'",
            name=self.missing[0] if self.missing else None,
        )


class UnknownComponentError(ConfigError, KeyError):
    """A name was looked up in a registry (stemmer, analyzer, ...) that has no such entry.

    The message lists every registered name, so the caller can see the valid choices.
    """

    def __init__(self, kind: str, name: object, known: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown {kind} {name!r}; registered {kind}s: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class ArticleError(NewsearchError, ValueError):
    """An article cannot be indexed; ``field`` names the culprit (``None``: the whole record)."""

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


class ArticleNotFoundError(NewsearchError, KeyError):
    """No live article with this id in the index (``article_id`` says which)."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(f"no article with id {article_id!r} in the index")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class IndexNotFoundError(NewsearchError, FileNotFoundError):
    """No newsearch index at the given path."""


class IndexMismatchError(NewsearchError):
    """The index was built by an incompatible library/schema version or analysis setup."""


class IndexLockedError(NewsearchError):
    """Another writer holds the index lock and did not release it within the wait."""


class WorkerFailedError(NewsearchError):
    """An indexing process died before finishing its part of a batch; the batch was not
    committed (the index stays at its last commit) and the lock was released."""


class IngestAborted(NewsearchError):
    """A strict ingest stopped at its first bad record; nothing of the open batch was committed.

    ``report`` is the :class:`~newsearch.ingest.IngestReport` up to that point.
    """

    def __init__(self, message: str, report: Any) -> None:
        super().__init__(message)
        self.report = report


class ShardError(NewsearchError):
    """A shard of a sharded index failed or did not answer in time, and the caller did not
    allow a partial answer (``allow_partial=False``). ``shards`` counts them:
    ``{"total": N, "successful": S, "failed": F}``; ``failures`` says which and why."""

    def __init__(self, message: str, shards: dict[str, int], failures: list[str]) -> None:
        super().__init__(message)
        self.shards = shards
        self.failures = failures
