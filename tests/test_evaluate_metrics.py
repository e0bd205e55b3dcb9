"""The metric plumbing on a tiny run/qrels pair whose values are computed by hand below."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("ir_measures")
pytest.importorskip("scipy")

from newsearch.evaluate.metrics import evaluate, paired_test
from newsearch.evaluate.tasks import read_qrels, read_run, write_qrels, write_run

QRELS = {
    "q1": {"d1": 1, "d3": 2},  # two relevant, graded
    "q2": {"d9": 1},  # relevant doc never retrieved
    "q3": {"d5": 1},  # the query gets no results at all
}
RUN = {
    "q1": [("d2", 9.0), ("d1", 8.0), ("d3", 7.0), ("d4", 6.0)],
    "q2": [("d7", 3.0), ("d8", 2.0)],
}
METRICS = ["nDCG@10", "RR@10", "AP@100", "P@10", "R@100", "Judged@10"]


def test_hand_computed_values() -> None:
    got = evaluate(RUN, QRELS, METRICS)
    # q1: ranks d2(0) d1(1) d3(2) d4(-). trec_eval's nDCG uses gain = grade:
    dcg = 1 / math.log2(3) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert got["nDCG@10"]["q1"] == pytest.approx(dcg / idcg)
    assert got["RR@10"]["q1"] == pytest.approx(1 / 2)
    # AP: precision at each relevant doc (rank 2: 1/2, rank 3: 2/3) over 2 relevant
    assert got["AP@100"]["q1"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert got["P@10"]["q1"] == pytest.approx(2 / 10)
    assert got["R@100"]["q1"] == pytest.approx(1.0)
    # Judged@10: judged docs among those retrieved in the top 10 (d1, d3 of 4)
    assert got["Judged@10"]["q1"] == pytest.approx(2 / 4)
    for m in METRICS:  # q2 retrieves nothing judged, q3 nothing at all: both count as 0
        assert got[m]["q2"] == 0.0
        assert got[m]["q3"] == 0.0
    assert set(got["RR@10"]) == {"q1", "q2", "q3"}


def test_rank_order_wins_over_scores() -> None:
    # Equal scores would be re-sorted by doc id in trec_eval; the run's order must count.
    run = {"q1": [("d3", 1.0), ("d2", 1.0), ("d1", 1.0)]}
    got = evaluate(run, {"q1": {"d1": 1}}, ["RR@10"])
    assert got["RR@10"]["q1"] == pytest.approx(1 / 3)


def test_paired_test_matches_a_hand_computed_t() -> None:
    sys_ = {"a": 0.9, "b": 0.6, "c": 0.8, "d": 0.5}
    base = {"a": 0.5, "b": 0.5, "c": 0.4, "d": 0.6}
    c = paired_test("m", sys_, base)
    diffs = [0.4, 0.1, 0.4, -0.1]
    mean = sum(diffs) / 4
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 3)
    t = mean / (sd / 2)
    from scipy import stats

    assert c.mean_diff == pytest.approx(mean)
    assert c.p_value == pytest.approx(2 * stats.t.sf(abs(t), df=3))
    assert (c.wins, c.losses, c.ties) == (3, 1, 0)
    same = paired_test("m", base, base)
    assert math.isnan(same.p_value) and same.ties == 4


def test_trec_files_round_trip(tmp_path: Path) -> None:
    write_qrels(QRELS, tmp_path / "q.trec")
    assert read_qrels(tmp_path / "q.trec") == QRELS
    write_run(RUN, tmp_path / "r.trec", "test")
    back = read_run(tmp_path / "r.trec")
    assert [d for d, _ in back["q1"]] == ["d2", "d1", "d3", "d4"]
    assert back["q2"] == RUN["q2"]
