"""HTTP query parameters derived from the request objects (:func:`newsearch.request.options`).

Each option becomes a query parameter named by its ``http`` name, documented in OpenAPI with
the option's help, default and bounds. Only the parameters a request really sent are passed
on (so a server's configured ranking options hold unless a request overrides them), and what
is sent is validated by the request object itself: the same check as the CLI and Python API.
"""

import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import Query, Request

from ..request import Option, options

__all__ = ["derived_endpoint", "query_parameters"]

_TYPES: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "date": str,
    "many": list[str],
    "mapping": list[str],
}


def _annotation(opt: Option) -> Any:
    if opt.kind == "choice":
        base: Any = Literal.__getitem__(opt.choices)
    else:
        base = _TYPES[opt.kind]
    extra: dict[str, Any] = {}
    if opt.kind in ("int", "float"):
        if opt.minimum is not None:
            extra["ge"] = opt.minimum
        if opt.maximum is not None:
            extra["le"] = opt.maximum
    help_text = opt.help
    if opt.kind == "many":
        help_text += " (repeatable)" if "repeatable" not in help_text else ""
    elif opt.kind == "mapping":
        help_text += "; repeatable, NAME:VALUE or NAME=VALUE"
    return Annotated[base | None, Query(alias=opt.http, description=help_text, **extra)]


def _default(opt: Option) -> Any:
    """The option's default as OpenAPI shows it (lists for tuples and mappings)."""
    if isinstance(opt.default, tuple):
        return list(opt.default)
    if isinstance(opt.default, dict):
        return [f"{k}:{v}" for k, v in opt.default.items()]
    return opt.default


def query_parameters(cls: type, *, skip: Iterable[str] = ()) -> list[inspect.Parameter]:
    """One keyword parameter per option of ``cls`` (named ``<Class>__<field>``)."""
    skipped = set(skip)
    return [
        inspect.Parameter(
            f"{cls.__name__}__{opt.name}",
            inspect.Parameter.KEYWORD_ONLY,
            default=_default(opt),
            annotation=_annotation(opt),
        )
        for opt in options(cls)
        if opt.name not in skipped
    ]


def derived_endpoint(
    handler: Callable[..., Any], extra: list[inspect.Parameter], *derived: list[inspect.Parameter]
) -> Callable[..., Any]:
    """An endpoint whose signature is ``extra`` plus the derived parameters; it calls
    ``handler(**extra values, given={class name: {field: value}})`` with only the options
    the request sent."""
    aliases = {p.name: p.annotation.__metadata__[0].alias for group in derived for p in group}

    def endpoint(_request: Request, **kwargs: Any) -> Any:
        sent = _request.query_params
        given: dict[str, dict[str, Any]] = {}
        plain = {}
        for key, value in kwargs.items():
            cls, sep, name = key.partition("__")
            if not sep:
                plain[key] = value
            elif aliases[key] in sent:
                given.setdefault(cls, {})[name] = value
        return handler(**plain, given=given)

    request = inspect.Parameter(
        "_request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
    )
    params = [request, *extra, *(p for group in derived for p in group)]
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
