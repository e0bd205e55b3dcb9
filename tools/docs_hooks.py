"""MkDocs hooks (mkdocs.yml): generate the API and CLI reference pages, and turn links that
point outside docs/ (files of the repository the site does not host) into plain paths.

- ``<!-- api-reference -->`` becomes one mkdocstrings block per name of ``newsearch.__all__``,
  so the reference is the public surface, no more and no less;
- ``<!-- cli-reference -->`` becomes the ``--help`` of ``newsearch`` and of each command,
  rendered from ``newsearch.cli.build_parser()``;
- doctest examples in docstrings (``>>>`` lines and their output) are shown as code blocks,
  not read as Markdown (where ``[('a', 0)]`` would be a link).
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_OUTSIDE = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s]+)\)")


class _DoctestFences(Preprocessor):
    """Wrap each run of doctest lines (``>>>``, ``...`` and the output up to a blank line)
    outside fenced code in a ``pycon`` fence."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        fenced = in_doctest = False
        indent = ""
        for line in lines:
            stripped = line.lstrip()
            if in_doctest and not stripped:
                out += [indent + "```", line]
                in_doctest = False
                continue
            if not in_doctest and stripped.startswith("```"):
                fenced = not fenced
            if not fenced and not in_doctest and stripped.startswith(">>>"):
                indent = line[: len(line) - len(stripped)]
                out.append(indent + "```pycon")
                in_doctest = True
            out.append(line)
        if in_doctest:
            out.append(indent + "```")
        return out


class DoctestFences(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_DoctestFences(md), "doctest_fences", 40)


@event_priority(100)  # before mkdocstrings reads the extensions
def on_config(config: Any, **kwargs: Any) -> Any:
    config.markdown_extensions.append(DoctestFences())
    return config


def api_reference() -> str:
    import newsearch

    exports: dict[str, str] = newsearch._EXPORTS  # name -> module
    out = []
    for name in sorted(newsearch.__all__, key=lambda n: (exports.get(n, ""), n)):
        if name in exports:
            out.append(f"::: {exports[name]}.{name}\n")
    return "\n".join(out)


def _help(parser: argparse.ArgumentParser) -> str:
    os.environ["COLUMNS"] = "100"  # the same wrapping on every machine
    return parser.format_help()


def cli_reference() -> str:
    from newsearch.cli import build_parser

    parser = build_parser()
    out = ["## newsearch\n", "```text", _help(parser).rstrip(), "```\n"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        out += [f"## newsearch {name}\n", "```text", _help(command).rstrip(), "```\n"]
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if "<!-- api-reference -->" in markdown:
        markdown = markdown.replace("<!-- api-reference -->", api_reference())
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", cli_reference())
    # A link to ../benchmarks/results/x.json.gz: a file of the repository, not of the site.
    return _OUTSIDE.sub(lambda m: f"{m.group(1)} (`{m.group(2)[3:]}` in the repository)", markdown)
