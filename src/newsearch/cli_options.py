"""Command-line flags derived from the request objects (:func:`newsearch.request.options`).

Every field of :class:`~newsearch.request.SearchRequest`, :class:`~newsearch.request.
RankingOptions` and :class:`~newsearch.request.RelatedRequest` becomes a flag with the field's
help text; a flag not given leaves the field's own default, and what is given goes to the
request unconverted, so the CLI validates exactly as the Python API and the web API do.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any, TypeVar

from .request import Option, options

__all__ = ["add_options", "from_args"]

T = TypeVar("T")

_METAVARS = {"int": "N", "float": "X", "str": "TEXT", "date": "DATE", "mapping": "NAME=VALUE"}


def _default_text(opt: Option) -> str:
    value = opt.default
    if value is None or value == () or value == {}:
        return ""
    if isinstance(value, tuple):
        value = ",".join(value)
    return f" (default: {value})"


def add_options(
    parser: argparse.ArgumentParser, cls: type, *, skip: Iterable[str] = (), title: str = ""
) -> None:
    """Add a flag (or the positional argument) for each option of ``cls``."""
    skipped = set(skip)
    group = parser.add_argument_group(title) if title else parser
    for opt in options(cls):
        if opt.name in skipped:
            continue
        dest = f"{cls.__name__}.{opt.name}"
        help_text = opt.help + _default_text(opt)
        if not opt.cli.startswith("--"):
            group.add_argument(dest, metavar=opt.cli, help=opt.help)
            continue
        kwargs: dict[str, Any] = {"dest": dest, "help": help_text, "default": argparse.SUPPRESS}
        if opt.kind == "bool":
            kwargs["action"] = argparse.BooleanOptionalAction
        elif opt.kind in ("many", "mapping"):
            kwargs["action"] = "append"
            kwargs["metavar"] = (
                "{" + ",".join(opt.choices) + "}"
                if opt.choices
                else _METAVARS.get(opt.kind, "VALUE")
            )
        else:
            if opt.choices:
                kwargs["choices"] = opt.choices
            else:
                kwargs["metavar"] = _METAVARS.get(opt.kind, "VALUE")
        if opt.name == "facets":  # `--facets` alone: every facet
            kwargs.update(nargs="?", const="all")
        group.add_argument(opt.cli, **kwargs)


def given(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The options of ``cls`` that the command line set."""
    prefix = f"{cls.__name__}."
    return {k[len(prefix) :]: v for k, v in vars(args).items() if k.startswith(prefix)}


def from_args(args: argparse.Namespace, cls: type[T], **fixed: Any) -> T:
    """An instance of ``cls`` from the parsed flags (and ``fixed`` values)."""
    return cls(**{**given(args, cls), **fixed})
