"""The vocabulary of every shard as one: what the planner asks, answered by the shards.

The cluster searcher plans a query once, for all shards (:mod:`.searcher`). The planner's
questions (a skeleton's words, whether a term is known, close spellings, frequencies) are
answered from what the shards said before; a question not answered yet gets a stand-in
answer and is noted, the shards are asked, and the plan is made again.

What a snapshot's vocabulary remembers about query words (``variants.WordMemo``: a word's
spelling expansions, variant terms, native verdict) is remembered here too, until the
searcher's refresh, but only values made from real answers: a value made while a stand-in
answer was given is not kept (the plan is made again with the real one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..variants import (
    VariantIndex,
    WordMemo,
    add_correction_counts,
    rank_corrections,
    variant_key,
    word_memos,
)
from .shard import Question

__all__ = ["Recorder", "WordMemos", "merge_answer", "word_memos"]

T = TypeVar("T")


WordMemos = dict[str, WordMemo]


class _Staged:
    """One of the searcher's :class:`WordMemo` seen through a :class:`Recorder`."""

    def __init__(self, memo: WordMemo, recorder: Recorder) -> None:
        self.memo = memo
        self.recorder = recorder

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.memo:
            return self.memo[key]
        before = self.recorder.stand_ins
        value = make()
        if self.recorder.stand_ins == before:  # made from real answers only
            self.memo.remember(key, lambda: value)
        return value


class Recorder:
    """A :class:`~newsearch.plan.Vocabulary` answering from what the shards said, noting
    the questions it could not answer (asked of the shards, then the plan is made again)."""

    def __init__(self, answers: Mapping[Question, Any], memos: WordMemos | None = None) -> None:
        self.answers = answers
        self.missing: set[Question] = set()
        self.stand_ins = 0  # answers given before the shards said
        for table, memo in (memos or {}).items():
            setattr(self, table, _Staged(memo, self))

    def _ask(self, q: Question, default: T) -> T:
        if q in self.answers:
            return self.answers[q]  # type: ignore[no-any-return]
        self.missing.add(q)
        self.stand_ins += 1
        return default

    def variants(self, token: str) -> list[str]:
        key = variant_key(token)
        return VariantIndex({key: self._ask(("words", key), set())}).variants(token)

    def joined(self, tokens: Sequence[str]) -> list[str]:
        key = variant_key("".join(tokens))
        return VariantIndex({key: self._ask(("words", key), set())}).joined(tokens)

    def known(self, field: str, token: str) -> bool:
        return self._ask(("known", field, token), False)

    def corrections(self, word: str, limit: int = 3) -> list[str]:
        return rank_corrections(self._ask(("corrections", word), ({}, {})), limit)

    def frequency(self, field: str, token: str) -> int:
        return self._ask(("frequency", field, token), 0)

    def size(self) -> int:
        return self._ask(("size",), 0)


def merge_answer(q: Question, parts: list[Any]) -> Any:
    if q[0] == "words":
        return set().union(*parts)
    if q[0] == "known":
        return any(parts)
    if q[0] in ("frequency", "size"):
        return sum(parts)
    return add_correction_counts(parts)
