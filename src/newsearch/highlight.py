"""Snippets cut from the original text with the matched words marked.

A document's text is analyzed again with the index's analyzer, which reports each token's
offsets in the *original* text (diacritics, tatweel, punctuation and Latin untouched) and its
index form. A token whose index form is one of the query's terms is marked whole: the
tokenizer's word includes its clitics, so the query الحكومة marks والحكومة. Text outside the
marks is HTML-escaped; the marks are the only markup.
"""

from __future__ import annotations

import bisect
import html
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .analysis import _SPLIT_RE, NewsAnalyzer

__all__ = ["MARK", "Snippet", "highlight", "snippet"]

#: Default opening and closing marks.
MARK = ("<mark>", "</mark>")
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Snippet:
    """A fragment of a field: ``html`` has the marks, ``text`` is the plain fragment,
    ``matches`` the number of marked words."""

    html: str
    text: str
    matches: int


#: Entries of a highlighting memo before it starts over.
_FORMS_MAX = 500_000
#: Texts a highlighting memo remembers as analyzed (by hash) before it starts over.
_TEXTS_MAX = 200_000


def _matches(
    text: str, terms: Collection[str], analyzer: Any, memo: dict[Any, Any] | None
) -> list[tuple[int, int, str]]:
    """(start, end, term) of each word of ``text`` whose index form is one of ``terms``.

    ``memo`` (kept by the caller per analyzer, e.g. the index's cache) maps surface words to
    their index forms and back, and remembers the texts whose every word it holds: snippets
    look at every word of ten stored bodies per search; with it, a text seen before costs one
    C-level split and a dict lookup per word, a new one the analysis of its new words."""
    if not text or not terms:
        return []
    out = []
    if isinstance(analyzer, NewsAnalyzer):
        if memo is None:
            memo = {}
        forms: dict[str, frozenset[str]] = memo.setdefault("forms", {})
        surfaces: dict[str, set[str]] = memo.setdefault("surfaces", {})
        texts: set[int] = memo.setdefault("texts", set())
        if len(forms) > _FORMS_MAX or len(texts) > _TEXTS_MAX:
            forms.clear()
            surfaces.clear()
            texts.clear()
            memo["version"] = memo.get("version", 0) + 1
        # One C-level split: [separator, word, separator, word, ..., separator].
        parts = _SPLIT_RE.split(text)
        words = parts[1::2]
        key = hash(text)
        if key not in texts:
            # Every new word is analyzed and remembered, so a page seen again costs a lookup
            # per word only (analyzing just the words that spell a query term saved a fresh
            # process a few ms but made each later sighting test them again: warm searches
            # were 1.4x slower).
            new = set(words).difference(forms)
            if new:
                for w, f in _forms(list(new), analyzer).items():
                    forms[w] = f
                    for term in f:
                        surfaces.setdefault(term, set()).add(w)
                memo["version"] = memo.get("version", 0) + 1  # the terms may have new surfaces
            texts.add(key)
        # The surface words of the terms, each to its first term: the same for all the hits
        # of a page, until a text brings new words (the version; searchers of one index share
        # the memo, so each step is one C-level call: a set copied, a dict updated).
        wanted, version = tuple(terms), memo.get("version", 0)
        last = memo.get("found")
        if last is not None and last[0] == wanted and last[1] == version:
            found: dict[str, str] = last[2]
        else:
            found = {}
            for term in reversed(wanted):  # an earlier term overwrites a later one
                found.update(dict.fromkeys(surfaces.get(term, ()), term))
            memo["found"] = (wanted, version, found)
        hits = list(itertools.compress(range(len(words)), map(found.__contains__, words)))
        if not hits:
            return []
        ends = list(itertools.accumulate(map(len, parts)))
        for i in hits:
            w = words[i]
            start = ends[2 * i]  # the word is parts[2i + 1]
            out.append((start, start + len(w), found[w]))
        return out
    for t in analyzer(text, chars=True, mode="index"):
        if t.text in terms:
            out.append((t.startchar, t.endchar, t.text))
    return out


def _forms(words: list[str], analyzer: Any) -> dict[str, frozenset[str]]:
    """The index forms of each of ``words``, analyzed as one text (a call per word cost four
    times as much); a token that does not fall inside one word has its words analyzed alone."""
    if not words:
        return {}
    starts = list(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0))
    out: dict[str, set[str]] = {w: set() for w in words}
    alone: set[str] = set()
    for t in analyzer(" ".join(words), chars=True, mode="index"):
        i = bisect.bisect_right(starts, t.startchar) - 1
        if t.endchar > starts[i] + len(words[i]):
            alone.update(words[i : bisect.bisect_left(starts, t.endchar)])
        else:
            out[words[i]].add(t.text)
    for w in alone:
        out[w] = {t.text for t in analyzer(w, mode="index")}
    return {w: frozenset(f) for w, f in out.items()}


def _render(
    text: str, a: int, b: int, spans: list[tuple[int, int, str]], mark: tuple[str, str]
) -> str:
    parts = []
    pos = a
    for s, e, _ in spans:
        if s < a or e > b:
            continue
        parts.append(html.escape(text[pos:s], quote=False))
        parts.append(mark[0] + html.escape(text[s:e], quote=False) + mark[1])
        pos = e
    parts.append(html.escape(text[pos:b], quote=False))
    return "".join(parts)


def highlight(
    text: str,
    terms: Collection[str],
    analyzer: Any,
    mark: tuple[str, str] = MARK,
    *,
    forms: dict[Any, Any] | None = None,
) -> Snippet:
    """All of ``text`` with every matched word marked (for titles); ``forms``: a memo kept
    per analyzer by the caller (see :func:`_matches`)."""
    spans = _matches(text, terms, analyzer, forms)
    return Snippet(_render(text, 0, len(text), spans, mark), text, len(spans))


def _snap_left(text: str, i: int) -> int:
    """Move ``i`` back to the start of the word it falls in."""
    while 0 < i < len(text) and not text[i - 1].isspace():
        i -= 1
    return i


def _snap_right(text: str, i: int) -> int:
    """Move ``i`` forward to the end of the word it falls in."""
    while 0 < i < len(text) and not text[i].isspace():
        i += 1
    return i


def snippet(
    text: str,
    terms: Collection[str],
    analyzer: Any,
    *,
    max_chars: int = 240,
    mark: tuple[str, str] = MARK,
    forms: dict[Any, Any] | None = None,
) -> Snippet:
    """The ``max_chars`` (about) of ``text`` with the most distinct matched words, cut at
    word boundaries, ``…`` where cut, matches marked. Without matches: the opening."""
    if not text:
        return Snippet("", "", 0)
    spans = _matches(text, terms, analyzer, forms)
    if not spans:
        a, b = 0, _snap_right(text, min(len(text), max_chars))
        if b - a > max_chars * 1.5:  # one enormous "word": cut it anyway
            b = max_chars
    else:
        # The window of matches with the most distinct terms (then the most matches) that
        # fits in max_chars; ties go to the earliest.
        best = (0, 0, 0, 0)  # (distinct, count, -start, index)
        j = 0
        for i in range(len(spans)):
            if j < i:
                j = i
            while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= max_chars:
                j += 1
            window = spans[i : j + 1]
            key = (len({t for _, _, t in window}), len(window), -spans[i][0], i)
            if key[:3] > best[:3]:
                best = key
        i = best[3]
        first = spans[i][0]
        last_end = max(e for s, e, _ in spans if s >= first and e - first <= max_chars)
        room = max_chars - (last_end - first)
        a = _snap_left(text, max(0, first - room // 3))
        b = _snap_right(text, min(len(text), last_end + (room - (first - a))))
        if b - a > max_chars * 1.5:
            b = last_end
    body = _render(text, a, b, spans, mark)
    plain = text[a:b]
    prefix = ELLIPSIS if a > 0 else ""
    suffix = ELLIPSIS if b < len(text) else ""
    count = sum(1 for s, e, _ in spans if s >= a and e <= b)
    return Snippet(prefix + body.strip() + suffix, prefix + plain.strip() + suffix, count)
