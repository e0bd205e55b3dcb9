"""How the command line shows results on a terminal.

Highlights and snippets are HTML (``<mark>`` around matched words, escaped text): on a terminal
the marks become bold colour (ANSI), elsewhere (a pipe, a file, ``NO_COLOR`` set, ``--color
never``) plain text. Either way the entities are unescaped and every run of whitespace (the
newlines of an article body) becomes one space, so a snippet stays on one line.

Arabic is shown on lines of its own, never beside the Latin metadata (rank, source, date, id,
score): a terminal that applies the Unicode bidirectional algorithm then lays each line out
right to left as a whole, and punctuation at an end (a ``؟``, a ``.``) or a parenthesis cannot
jump to the wrong side of a neighbour of the other direction. On a terminal each such line starts
with a RIGHT-TO-LEFT MARK, which sets the paragraph direction for terminals that take it from
the first strong character; in a pipe nothing is added, so scripts get the text as stored.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

__all__ = ["FSI", "PDI", "RLM", "Style", "one_line"]

RLM = "\u200f"
FSI, PDI = "\u2068", "\u2069"
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_SPACE = re.compile(r"\s+")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_BOLD_YELLOW = "\x1b[1;33m"
_RESET = "\x1b[0m"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space, trimmed."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Style:
    """``color``: ANSI highlights and right-to-left marks (a terminal); else plain text."""

    color: bool = False

    @classmethod
    def for_stream(
        cls, stream: IO[str], mode: str = "auto", environ: Mapping[str, str] | None = None
    ) -> Style:
        """``always``/``never``, or ``auto``: colour when ``stream`` is a terminal and the
        ``NO_COLOR`` variable is unset or empty (https://no-color.org)."""
        if mode != "auto":
            return cls(color=mode == "always")
        env = os.environ if environ is None else environ
        if env.get("NO_COLOR"):
            return cls(color=False)
        isatty = getattr(stream, "isatty", None)
        return cls(color=bool(isatty and isatty()))

    def marked(self, fragment: str) -> str:
        """An HTML fragment (escaped text, ``<mark>`` around matches) for the terminal: one
        line, entities unescaped, the marks bold colour or gone."""
        text = one_line(fragment)
        if self.color:
            text = _MARK.sub(lambda m: _BOLD_YELLOW + m.group(1) + _RESET, text)
        else:
            text = _MARK.sub(r"\1", text)
        return html.unescape(text)

    def text(self, value: str) -> str:
        """Plain stored text (a title) on one line, marked right to left on a terminal when
        it is Arabic."""
        return self.rtl(one_line(value))

    def rtl(self, line: str) -> str:
        """Prefix a right-to-left line with an RLM on a terminal."""
        if self.color and _RTL.search(line):
            return RLM + line
        return line

    def isolate(self, text: str) -> str:
        """On a terminal, ``text`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE:
        laid out on its own, whatever its neighbours on the line."""
        return FSI + text + PDI if self.color else text
