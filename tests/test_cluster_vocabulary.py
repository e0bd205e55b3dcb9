"""The cluster planner's vocabulary: answers merged from the shards, and what it remembers
about query words kept only when made from real answers (no Ray needed)."""

from __future__ import annotations

from typing import Any

from newsearch.cluster.vocabulary import Recorder, merge_answer, word_memos
from newsearch.variants import remembered, variant_key


def test_a_value_made_from_a_stand_in_answer_is_not_remembered() -> None:
    memos = word_memos()
    key = ("words", variant_key("جونغ"))
    calls: list[Any] = []

    def make(rec: Recorder) -> Any:
        calls.append(1)
        return tuple(sorted(rec.variants("جونغ")))

    rec = Recorder({}, memos)  # the shards have not answered yet
    assert remembered(rec, "variant_words", "جونغ", lambda: make(rec)) == ()
    assert rec.missing == {key} and "جونغ" not in memos["variant_words"]

    answers = {key: {"جونغ", "جونج"}}
    rec = Recorder(answers, memos)
    got = remembered(rec, "variant_words", "جونغ", lambda: make(rec))
    assert "جونج" in got and not rec.missing
    assert memos["variant_words"]["جونغ"] == got  # made from real answers: kept

    rec = Recorder({}, memos)  # a later request: remembered, no question asked
    assert remembered(rec, "variant_words", "جونغ", lambda: make(rec)) == got
    assert not rec.missing and len(calls) == 2


def test_without_memos_nothing_is_remembered() -> None:
    rec = Recorder({("known", "body", "x"): True})
    assert rec.known("body", "x") and not rec.missing and rec.stand_ins == 0
    assert remembered(rec, "spellings", "x", lambda: 5) == 5
    assert not hasattr(rec, "spellings")


def test_answers_merge_as_one_index_would_give_them() -> None:
    assert merge_answer(("words", "k"), [{"a"}, {"b", "a"}]) == {"a", "b"}
    assert merge_answer(("known", "body", "t"), [False, True]) is True
    assert merge_answer(("frequency", "body", "t"), [2, 3]) == 5
    assert merge_answer(("size",), [10, 20]) == 30
