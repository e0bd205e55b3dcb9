"""The one error hierarchy of newsearch: every error the library raises on purpose is a
:class:`NewsearchError`, so an application can catch them all in one place."""

from __future__ import annotations

__all__ = ["ConfigError", "NewsearchError", "UnknownComponentError"]


class NewsearchError(Exception):
    """Base class of every error raised by newsearch."""


class ConfigError(NewsearchError, ValueError):
    """An option or parameter has a value the library cannot use."""


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
