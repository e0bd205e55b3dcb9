"""The engine registry: engines by name, so a TOML setup names one in a line.

The engines newsearch ships (:mod:`newsearch.evaluate.peers`) are registered on the first
lookup; an engine a user registered first keeps its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import UnknownComponentError

__all__ = ["EngineEntry", "engine_names", "get_engine", "register_engine"]


EngineFactory = Callable[..., Any]


@dataclass(frozen=True)
class EngineEntry:
    factory: EngineFactory
    index_params: frozenset[str]
    description: str = ""


_ENGINES: dict[str, EngineEntry] = {}


def register_engine(
    name: str, factory: EngineFactory, index_params: Iterable[str] = (), description: str = ""
) -> None:
    """Register ``factory(**index_params) -> Engine`` under ``name``; ``index_params`` names
    the setup parameters that go to the factory (the rest go to ``search_all``)."""
    _ENGINES[name] = EngineEntry(factory, frozenset(index_params), description)


_builtins_loaded = False


def _builtin() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    from . import peers

    user = dict(_ENGINES)
    peers.register_builtin_engines(register_engine)
    _ENGINES.update(user)  # an engine the user registered first keeps its name


def engine_names() -> list[str]:
    _builtin()
    return sorted(_ENGINES)


def get_engine(name: str) -> EngineEntry:
    _builtin()
    try:
        return _ENGINES[name]
    except KeyError:
        raise UnknownComponentError("engine", name, sorted(_ENGINES)) from None
