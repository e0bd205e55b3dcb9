"""The optional extras and the modules each provides, checked before a feature starts work.

``require("bench", "the benchmark runner")`` raises :class:`~newsearch.errors.MissingExtraError`
with the install command when a module of the extra is missing, so a user learns it at the first
call, not after minutes of indexing. The check only looks modules up (``find_spec``); it imports
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec

from .errors import MissingExtraError

__all__ = ["EXTRAS", "missing", "require"]

#: extra -> the modules its features import (peers that skip themselves when their package is
#: missing, bm25s and tantivy, are not listed: a run without them still runs).
EXTRAS: dict[str, tuple[str, ...]] = {
    "bench": ("ir_measures", "scipy", "matplotlib"),
    "web": ("fastapi", "uvicorn"),
    "fast": ("Stemmer",),
    "cluster": ("ray",),
}


def missing(modules: Sequence[str]) -> list[str]:
    """The modules of ``modules`` that cannot be imported."""
    out = []
    for m in modules:
        try:
            found = find_spec(m) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(m)
    return out


def require(extra: str, what: str, modules: Sequence[str] | None = None) -> None:
    """Raise :class:`MissingExtraError` if a module of ``extra`` (or of ``modules``, a part of
    it) is not installed; ``what`` names the feature in the message."""
    absent = missing(EXTRAS[extra] if modules is None else modules)
    if absent:
        raise MissingExtraError(extra, absent, what)
