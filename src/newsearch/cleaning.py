"""Removing the furniture scrapers leave in article text (share bars, "related news" blocks).

Off by default: clean corpora (ANT, SaudiNewsNet) need no cleaning, and a cleaner can only lose
text. Turn it on for scraped input with ``cleaner="scraped"`` (or your own :class:`Cleaner`).

The ``scraped`` rules, all matched on whole lines after trimming (an article sentence that merely
*contains* these words is never touched):

* share/comment toolbars: ``0 تعليق ارسل طباعة تبليغ حذف`` and any line made only of the words
  تعليق/تعليقات, ارسل/أرسل, طباعة, تبليغ, حذف, مشاركة, شارك, and numbers;
* app/follow prompts: ``تابع أحدث الأخبار عبر تطبيق google news``, ``تابعونا على ...``;
* a line that is only a section label: ``إخترنا لك``, ``اخترنا لك``, ``أخبار ذات صلة``,
  ``اقرأ أيضا``, ``أقرأ أيضاً``, ``مواضيع ذات صلة``, ``الأكثر قراءة``;
* a trailing "outlet name + toolbar" line such as ``البوابة نيوز 0 تعليق ارسل طباعة تبليغ حذف``
  (the toolbar words at the end of a short line are cut, the outlet name is kept).

Lines are compared after :func:`~newsearch.normalize.normalize`, so hamza and diacritic variants
(إخترنا/اخترنا, أيضاً/ايضا) match the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from .errors import UnknownComponentError
from .normalize import normalize

__all__ = ["SCRAPED_LINES", "TOOLBAR_WORDS", "Cleaner", "cleaner_names", "get_cleaner"]

#: Whole lines (normalized) that are site furniture.
SCRAPED_LINES = (
    "اخترنا لك",
    "اخبار ذات صله",
    "مواضيع ذات صله",
    "اقرا ايضا",
    "اقرا المزيد",
    "الاكثر قراءه",
    "تابع احدث الاخبار عبر تطبيق google news",
    "تابعونا علي google news",
)
#: Words of share/comment toolbars (normalized); a line made only of them (and numbers) goes.
TOOLBAR_WORDS = ("تعليق", "تعليقات", "ارسل", "طباعه", "تبليغ", "حذف", "مشاركه", "شارك", "0")


@dataclass(frozen=True)
class Cleaner:
    """Removes boilerplate lines from a text. ``lines``: whole lines to drop (normalized);
    ``toolbar_words``: a line made only of these words and numbers is dropped, and a run of
    three or more of them ending a line is cut off; ``prompts``: regexes (on normalized text)
    of whole lines to drop."""

    name: str = "custom"
    lines: tuple[str, ...] = ()
    toolbar_words: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()

    @cached_property
    def _line_set(self) -> frozenset[str]:
        return frozenset(normalize(x) for x in self.lines)

    @cached_property
    def _toolbar_set(self) -> frozenset[str]:
        return frozenset(normalize(w) for w in self.toolbar_words)

    @cached_property
    def _toolbar(self) -> re.Pattern[str] | None:
        if not self.toolbar_words:
            return None
        words = "|".join(re.escape(normalize(w)) for w in self.toolbar_words)
        return re.compile(rf"(?:^|\s)(?:(?:{words}|\d+)(?:\s+|$)){{3,}}$")

    @cached_property
    def _prompts(self) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in self.prompts)) if self.prompts else None

    def clean(self, text: str) -> str:
        """``text`` without its boilerplate lines; other lines are kept exactly as written."""
        if not text:
            return text
        kept = []
        for line in text.split("\n"):
            norm = " ".join(normalize(line).split())
            if not norm:
                kept.append(line)
                continue
            if norm in self._line_set:
                continue
            if self._prompts is not None and self._prompts.fullmatch(norm):
                continue
            toolbar = self._toolbar
            words = norm.split()
            if self._toolbar_set and all(w in self._toolbar_set or w.isdigit() for w in words):
                continue  # the whole line is a toolbar ("0 تعليق")
            if toolbar is not None:
                m = toolbar.search(norm)
                if m is not None:  # "outlet name + toolbar": keep the name
                    line = _cut_words(line, len(norm[: m.start()].split()))
            kept.append(line)
        out = "\n".join(kept)
        # Collapse the blank lines left where furniture was.
        return re.sub(r"\n{3,}", "\n\n", out).strip("\n")

    def __call__(self, text: str) -> str:
        return self.clean(text)


def _cut_words(line: str, keep: int) -> str:
    """The first ``keep`` whitespace-separated words of ``line``, as written."""
    words = line.split()
    return " ".join(words[:keep])


def _scraped() -> Cleaner:
    return Cleaner(
        name="scraped",
        lines=SCRAPED_LINES,
        toolbar_words=TOOLBAR_WORDS,
        prompts=(r"تابعونا (?:علي|عبر) .{1,40}", r"تابع احدث الاخبار عبر .{1,40}"),
    )


_CLEANERS: dict[str, Callable[[], Cleaner | None]] = {"none": lambda: None, "scraped": _scraped}


def cleaner_names() -> list[str]:
    return sorted(_CLEANERS)


def get_cleaner(name: str | Cleaner | None) -> Cleaner | None:
    """A cleaner by name (``none``, ``scraped``), or the given :class:`Cleaner`."""
    if name is None or isinstance(name, Cleaner):
        return name
    try:
        return _CLEANERS[name]()
    except KeyError:
        raise UnknownComponentError("cleaner", name, list(_CLEANERS)) from None
