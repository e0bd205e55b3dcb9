"""Task loaders on a small data directory shaped like ../shared/datasets (built from the
bundled fixture), and a two-setup experiment end to end."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import orjson
import pytest

pytest.importorskip("ir_measures")
pytest.importorskip("scipy")

from newsearch.errors import ConfigError, UnknownComponentError
from newsearch.evaluate import Experiment, Setup, Task, load_task, task_names
from newsearch.evaluate.config import load_config, parse_config, run_config, update_docs

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ant" / "fixture_articles.jsonl"
PAIRS = DATA / "ant" / "fixture_story_pairs_silver.tsv"


def _articles() -> list[dict[str, str]]:
    return [orjson.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A miniature of ../shared/datasets: the 268-article fixture as the ANT corpus, its 30
    silver pairs, known-item queries from its titles, a few ARCD-style passages and ANS-style
    headline pairs (made up here)."""
    root = tmp_path_factory.mktemp("datasets")
    arts = _articles()
    # Two copies of one article under new ids: an exact-body duplicate group.
    dup = dict(arts[0], id="DUP-1", body_dup_group="g1")
    arts[0]["body_dup_group"] = "g1"
    arts.append(dup)
    ant = root / "ant-multisource"
    (ant / "data").mkdir(parents=True)
    with gzip.open(ant / "data" / "antms-000.jsonl.gz", "wt", encoding="utf-8") as f:
        for a in arts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    (ant / "silver").mkdir()
    rows = list(csv.reader(PAIRS.open(encoding="utf-8"), delimiter="\t"))
    # a pair below the 0.5 cut, which the task must drop
    rows.append(["0.310", arts[1]["id"], arts[2]["id"], arts[1]["title"], arts[2]["title"]])
    # a pair whose partner is the article with an exact-body copy
    rows.append(["0.900", arts[3]["id"], arts[0]["id"], arts[3]["title"], arts[0]["title"]])
    with gzip.open(ant / "silver" / "cross_outlet_pairs_1day_cos0.3.tsv.gz", "wt") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(rows)
    (ant / "sample").mkdir()
    known = [a for a in arts[:60] if len(a["title"].split()) >= 4][:20]
    (ant / "sample" / "known_item_title_queries.tsv").write_text(
        "".join(f"KI{i:04d}\t{a['title']}\n" for i, a in enumerate(known)), encoding="utf-8"
    )
    (ant / "sample" / "known_item_title_qrels.trec").write_text(
        "".join(f"KI{i:04d} 0 {a['id']} 1\n" for i, a in enumerate(known)), encoding="utf-8"
    )
    arcd = root / "arcd" / "derived"
    arcd.mkdir(parents=True)
    passages = {
        "arcd-000-00": ("نهر النيل", "نهر النيل أطول أنهار العالم ويمر بمصر والسودان"),
        "arcd-000-01": ("نهر النيل", "ينبع النيل من بحيرة فكتوريا في أوغندا"),
        "arcd-001-00": ("القاهرة", "القاهرة عاصمة مصر وأكبر مدنها"),
    }
    (arcd / "corpus.jsonl").write_text(
        "".join(
            json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) + "\n"
            for i, (t, b) in passages.items()
        ),
        encoding="utf-8",
    )
    queries = [("q1", "ما هو أطول نهر في العالم؟"), ("q2", "ما هي عاصمة مصر؟")]
    (arcd / "queries.jsonl").write_text(
        "".join(
            json.dumps({"id": q, "query": t, "answers": [], "split": "train"}, ensure_ascii=False)
            + "\n"
            for q, t in queries
        ),
        encoding="utf-8",
    )
    (arcd / "qrels.trec").write_text(
        "q1 0 arcd-000-00 2\nq1 0 arcd-000-01 1\nq2 0 arcd-001-00 2\n", encoding="utf-8"
    )
    stance = root / "ans" / "original" / "data" / "stance"
    stance.mkdir(parents=True)
    train = [
        ("ارتفاع أسعار النفط عالميا", "أسعار النفط ترتفع في العالم", "agree"),
        ("ارتفاع أسعار النفط عالميا", "انخفاض أسعار النفط عالميا", "disagree"),
        ("فوز الفريق في المباراة النهائية", "الفريق يفوز بالنهائي", "agree"),
        ("افتتاح معرض الكتاب في الرياض", "إغلاق معرض الكتاب", "other"),
    ]
    dev = [("الأمطار تغمر شوارع المدينة", "فيضانات في شوارع المدينة بسبب الأمطار", "agree")]
    for name, rows_ in (("train.csv", train), ("dev.csv", dev)):
        with (stance / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["s1", "s2", "stance"])
            w.writerows(rows_)
    return root


def test_registered_tasks() -> None:
    assert task_names() == [
        "ans-paraphrase", "ant-cross-outlet", "ant-known-item", "ant-related-easy",
        "ant-related-hard", "ant-related-hard-same", "arcd", "snn-topics",
    ]  # fmt: skip
    with pytest.raises(UnknownComponentError, match="arcd"):
        load_task("nope")
    with pytest.raises(ConfigError, match="pass --data"):
        load_task("arcd", "/nonexistent")


def test_arcd_mixes_in_the_news_as_distractors(data_dir: Path) -> None:
    t = load_task("arcd", data_dir)
    ids = {d.id for d in t.docs()}
    assert {"arcd-000-00", "arcd-001-00"} <= ids and len(ids) == 3 + 269
    assert t.qrels["q1"] == {"arcd-000-00": 2, "arcd-000-01": 1}
    assert t.fields == ("title", "body") and t.corpus == "arcd+ant"


def test_ans_paraphrase(data_dir: Path) -> None:
    t = load_task("ans-paraphrase", data_dir)
    docs = {d.title: d.id for d in t.docs()}
    assert len(t.queries) == 3  # the three agree rewrites
    q = next(q for q, text in t.queries.items() if text == "أسعار النفط ترتفع في العالم")
    assert t.qrels[q] == {docs["ارتفاع أسعار النفط عالميا"]: 1}
    assert t.exclude[q] == {docs["أسعار النفط ترتفع في العالم"]}  # its own headline
    assert "انخفاض أسعار النفط عالميا" in docs  # the contradiction stays, as a hard negative
    assert t.fields == ("title",)


def test_ant_cross_outlet(data_dir: Path) -> None:
    t = load_task("ant-cross-outlet", data_dir)
    arts = _articles()
    strong = [r for r in csv.DictReader(PAIRS.open(encoding="utf-8"), delimiter="\t")]
    a, b = strong[0]["id_a"], strong[0]["id_b"]
    assert b in t.qrels[a] and a in t.qrels[b]
    assert t.queries[a] == strong[0]["title_a"]
    assert t.exclude[a] == {a}
    assert arts[1]["id"] not in t.queries or arts[2]["id"] not in t.qrels[arts[1]["id"]]
    # the partner with an exact-body copy: both copies are relevant ...
    assert set(t.qrels[arts[3]["id"]]) >= {arts[0]["id"], "DUP-1"}
    # ... and from the copy's side, the article and its copy are "its own article"
    assert t.exclude[arts[0]["id"]] == {arts[0]["id"], "DUP-1"}


def test_ant_known_item_searches_the_body_only(data_dir: Path) -> None:
    t = load_task("ant-known-item", data_dir)
    assert t.fields == ("body",) and len(t.queries) == 20 and t.corpus == "ant"
    cross = load_task("ant-cross-outlet", data_dir)
    assert cross.fingerprint == t.fingerprint  # same corpus, one build for both


def test_task_from_files(tmp_path: Path) -> None:
    (tmp_path / "q.tsv").write_text("a\tنص\n", encoding="utf-8")
    (tmp_path / "qrels").write_text("a 0 x 1\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"id": "x", "title": "t", "body": "نص"}\n')
    t = Task.from_files(
        "mine", corpus=tmp_path / "c.jsonl", queries=tmp_path / "q.tsv", qrels=tmp_path / "qrels"
    )
    assert [d.id for d in t.docs()] == ["x"] and t.queries == {"a": "نص"}


def test_two_setup_experiment_end_to_end(data_dir: Path, tmp_path: Path) -> None:
    task = load_task("ant-known-item", data_dir)
    setups = {
        "light": Setup(analyzer="light"),
        "light-tfidf": Setup(analyzer="light", scorer="tfidf"),
        "exact": Setup(analyzer="exact", k1=0.9),
    }
    exp = Experiment(setups, task, baseline="exact", workdir=tmp_path / "w")
    result = exp.run()
    light = result.results["light"]
    # two light setups, one build; a known-item title finds its article near the top
    assert light.build_key == result.results["light-tfidf"].build_key
    assert light.build_key != result.results["exact"].build_key
    assert light.means["RR@10"] > 0.8
    assert set(light.per_query["nDCG@10"]) == set(task.qrels)
    assert set(light.comparisons) == set(result.metrics)
    assert light.latency_ms["p50"] > 0
    assert "exact" not in result.results["exact"].comparisons
    md = result.to_markdown()
    assert "`light`" in md and "vs exact" in md
    out = tmp_path / "r.json"
    result.write_json(out)
    data = orjson.loads(out.read_bytes())
    assert data["kind"] == "newsearch-bench" and data["task"]["name"] == "ant-known-item"
    assert data["git"]["commit"] is not None and "machine" in data and "versions" in data
    assert data["results"]["light"]["per_query"]["RR@10"]
    from newsearch.evaluate import read_run

    runs = result.write_runs(tmp_path / "runs")
    assert len(runs) == 3
    light_run = read_run(tmp_path / "runs" / "ant-known-item.light.run")
    assert light_run == {q: [(d, pytest.approx(sc, abs=1e-5)) for d, sc in r]
                         for q, r in light.run.items() if r}  # fmt: skip
    again = Experiment(setups, task, baseline="exact", workdir=tmp_path / "w").run()
    assert again.results["light"].build_cached
    assert again.results["light"].means == light.means


def test_excluded_documents_never_count(data_dir: Path, tmp_path: Path) -> None:
    task = load_task("ant-cross-outlet", data_dir)
    res = Experiment({"light": Setup()}, task, workdir=tmp_path / "w", k=20).run()
    run = res.results["light"].run
    for qid, ranked in run.items():
        assert not {d for d, _ in ranked} & task.exclude.get(qid, frozenset())
        assert len(ranked) <= 20


def test_config_grid_and_errors(tmp_path: Path) -> None:
    cfg = parse_config(
        {
            "tasks": "arcd",
            "baseline": "base",
            "setups": {
                "base": {"analyzer": "exact"},
                "g": {"k1": [0.9, 1.2], "weights": [{"title": 1.0}, {"title": 3.0}]},
            },
        }
    )
    assert sorted(cfg.setups) == [
        "base",
        "g[k1=0.9,weights=title:1.0]",
        "g[k1=0.9,weights=title:3.0]",
        "g[k1=1.2,weights=title:1.0]",
        "g[k1=1.2,weights=title:3.0]",
    ]
    assert cfg.setups["g[k1=1.2,weights=title:3.0]"].params == {
        "k1": 1.2,
        "weights": {"title": 3.0},
    }
    with pytest.raises(ConfigError, match="unknown keys"):
        parse_config({"tasks": ["arcd"], "setups": {"a": {}}, "taks": 1})
    with pytest.raises(ConfigError, match="baseline"):
        parse_config({"tasks": ["arcd"], "setups": {"a": {}}, "baseline": "b"})
    with pytest.raises(ConfigError, match="setups"):
        parse_config({"tasks": ["arcd"]})
    bad = tmp_path / "bad.toml"
    bad.write_text("tasks = [", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        load_config(bad)
    with pytest.raises(UnknownComponentError, match="lucene"):
        Experiment({"x": Setup("no-such-engine")}, load_task_stub())


def load_task_stub() -> Task:
    return Task("t", "c", {"q": "x"}, {"q": {"d": 1}}, load_docs=lambda: iter(()))


def test_bench_cli_writes_results_and_docs(data_dir: Path, tmp_path: Path) -> None:
    from newsearch.cli import main

    toml = tmp_path / "run.toml"
    toml.write_text(
        'tasks = ["ant-known-item", "ans-paraphrase"]\nbaseline = "exact"\n'
        '[setups.exact]\nanalyzer = "exact"\n[setups.light]\nanalyzer = "light"\n',
        encoding="utf-8",
    )
    doc = tmp_path / "bench.md"
    doc.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    out = tmp_path / "results"
    rc = main([
        "bench", str(toml), "--data", str(data_dir), "--out", str(out),
        "--workdir", str(tmp_path / "w"), "--docs", str(doc), "--quiet",
    ])  # fmt: skip
    assert rc == 0
    assert len(list(out.glob("bench-ant-known-item-*.json.gz"))) == 1
    assert len(list(out.glob("bench-ans-paraphrase-*.png"))) == 1
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nintro")
    assert "<!-- bench:ant-known-item:start -->" in text and "| `light` |" in text
    # a second run replaces the sections instead of appending them
    done = run_config(load_config(toml), data_dir=data_dir, out_dir=out, workdir=tmp_path / "w")
    update_docs(doc, done, img_dir=tmp_path / "img")
    assert doc.read_text(encoding="utf-8").count("<!-- bench:ans-paraphrase:start -->") == 1


def test_results_from_two_runs_merge_per_task(data_dir: Path, tmp_path: Path) -> None:
    from newsearch.evaluate import ExperimentResult
    from newsearch.evaluate.config import report

    task = load_task("ant-known-item", data_dir)
    one = Experiment(
        {"exact": Setup(analyzer="exact"), "light": Setup(analyzer="light")},
        task, baseline="exact", workdir=tmp_path / "w",
    ).run()  # fmt: skip
    two = Experiment(
        {"exact": Setup(analyzer="exact"), "tfidf": Setup(analyzer="light", scorer="tfidf")},
        task, baseline="exact", workdir=tmp_path / "w",
    ).run()  # fmt: skip
    one.write_json(tmp_path / "1.json")
    two.write_json(tmp_path / "2.json")
    back = ExperimentResult.from_dict(orjson.loads((tmp_path / "1.json").read_bytes()))
    assert back.results["light"].means == one.results["light"].means
    assert back.to_markdown() == one.to_markdown()
    done = report([tmp_path / "1.json", tmp_path / "2.json"], out_dir=tmp_path / "out")
    ((merged, paths),) = done
    assert set(merged.results) == {"exact", "light", "tfidf"}
    assert merged.results["tfidf"].comparisons["RR@10"].mean_diff == pytest.approx(
        two.results["tfidf"].comparisons["RR@10"].mean_diff
    )
    assert len(merged.provenance["runs"]) == 2 and paths["json"].exists()


# -- related-news tasks


def test_ant_related_bands(data_dir: Path) -> None:
    easy = load_task("ant-related-easy", data_dir)
    hard = load_task("ant-related-hard", data_dir)
    arts = _articles()
    assert easy.kind == hard.kind == "related"
    assert "Copies@10" in (easy.metrics or ())
    # Queries are article ids; the article itself is excluded from its own list.
    assert all(q == t for q, t in easy.queries.items())
    assert all(easy.exclude[q] == frozenset({q}) for q in easy.queries)
    # The 0.31 pair is hard, not easy; the 0.9 pair's partner brings its exact-body copy.
    a1, a2 = arts[1]["id"], arts[2]["id"]
    assert hard.qrels == {a1: {a2: 1}, a2: {a1: 1}}
    assert a1 not in easy.queries or a2 not in easy.qrels.get(a1, {})
    assert easy.qrels[arts[3]["id"]] == {arts[0]["id"]: 1, "DUP-1": 1}
    # The judged sample ships with the package: 80 pairs, 61 judged one story.
    from newsearch.evaluate.tasks import judged_pairs

    pairs = judged_pairs()
    assert len(pairs) == 80 and sum(j == "same" for *_, j in pairs) == 61
    assert all(0.3 <= c < 0.5 for _, _, c, _ in pairs)


def test_related_experiment_credits_also_published_by_and_counts_copies(tmp_path: Path) -> None:
    from newsearch.evaluate import Experiment, Setup, Task
    from newsearch.evaluate.engines import Doc, SearchOutput
    from newsearch.evaluate.registry import register_engine
    from newsearch.evaluate.tasks import RELATED_METRICS, _copies_metric

    story = "اجتمع وزراء الخارجية العرب في القاهرة لبحث الأزمة في المنطقة وسبل حلها سلميا"
    docs = [
        Doc("q", "الوزراء يجتمعون", story),
        Doc("copy", "الوزراء يجتمعون", story + " وقال مصدر"),  # a near-copy of q
        Doc("rewrite", "اجتماع عربي", "بحث الوزراء العرب اليوم في العاصمة المصرية أزمة المنطقة"),
        Doc("other", "مباراة", "فاز الفريق في المباراة النهائية بهدفين"),
    ]

    class Fake:
        def __init__(self, shows_copy: bool) -> None:
            self.shows_copy = shows_copy

        def build(self, docs_: object, workdir: Path, fields: object = ()) -> float:
            return 0.0

        def search_all(self, *a: object, **k: object) -> SearchOutput:
            raise AssertionError("a related task must not call search_all")

        def related_all(self, queries: dict[str, str], k: int, params: object, docs: object):
            out = SearchOutput()
            for qid in queries:
                if self.shows_copy:  # as Lucene's MoreLikeThis does: the copy is an item
                    out.run[qid] = [("copy", 3.0), ("other", 2.0), ("rewrite", 1.0)]
                else:  # the copy shown apart, the rewrite second
                    out.run[qid] = [("other", 2.0), ("rewrite", 1.0)]
                    out.also[qid] = ["copy"]
                out.seconds[qid] = 0.001
            return out

    register_engine("fake-related", Fake, ("shows_copy",))
    task = Task(
        name="mini-related", corpus="mini", queries={"q": "q"},
        qrels={"q": {"copy": 1, "rewrite": 1}}, load_docs=lambda: iter(docs),
        exclude={"q": frozenset({"q"})}, kind="related", metrics=RELATED_METRICS,
        extra_metrics=_copies_metric(lambda: iter(docs)),
    )  # fmt: skip
    setups = {
        "apart": Setup("fake-related", shows_copy=False),
        "inline": Setup("fake-related", shows_copy=True),
    }
    res = Experiment(setups, task, list(RELATED_METRICS), workdir=tmp_path).run()
    apart, inline = res.results["apart"].means, res.results["inline"].means
    # "also published by" counts as found at rank 1; the rewrite is still found at rank 2.
    assert apart["RR@10"] == 1.0 and apart["R@5"] == 1.0
    assert apart["Copies@10"] == 0.0
    # Shown inline, the copy is one of three items and a near-copy of the article.
    assert inline["RR@10"] == 1.0 and inline["Copies@10"] == pytest.approx(1 / 3)
    assert "Copies@10" in res.to_markdown()


def test_a_copy_listed_under_a_hit_counts_right_after_it(tmp_path: Path) -> None:
    from newsearch.evaluate import Experiment, Setup, Task
    from newsearch.evaluate.engines import Doc, SearchOutput
    from newsearch.evaluate.registry import register_engine

    docs = [Doc(i, i, f"نص {i}") for i in ("q", "a", "b", "c")]

    class Grouping:
        def build(self, docs_: object, workdir: Path, fields: object = ()) -> float:
            return 0.0

        def related_all(self, queries: dict[str, str], k: int, params: object, docs: object):
            out = SearchOutput()
            for qid in queries:
                # "b" is relevant and listed under "a" (its copy): found at rank 2.
                out.run[qid] = [("a", 2.0), ("c", 1.0)]
                out.grouped[qid] = {"a": ["b"]}
                out.seconds[qid] = 0.001
            return out

    register_engine("fake-grouping", Grouping)
    task = Task(
        name="mini-grouped", corpus="mini2", queries={"q": "q"}, qrels={"q": {"b": 1}},
        load_docs=lambda: iter(docs), kind="related", metrics=("RR@10", "R@5"),
    )  # fmt: skip
    res = Experiment({"g": Setup("fake-grouping")}, task, ["RR@10", "R@5"], workdir=tmp_path).run()
    assert res.results["g"].means == {"RR@10": 0.5, "R@5": 1.0}


def test_snn_topics_reports_each_kind_of_query(tmp_path: Path) -> None:
    """snn-topics: topics.jsonl (qid, query, kind) and graded qrels over the SaudiNewsNet
    shards; a run's Markdown adds nDCG@10 per kind with Judged@10 (made-up articles here: the
    corpus is never copied into the repository)."""
    import gzip

    import orjson

    from newsearch.evaluate import Experiment, Setup

    root = tmp_path / "saudinewsnet"
    (root / "topics").mkdir(parents=True)
    (root / "data").mkdir()
    docs = [
        {"id": "S-1", "title": "مايكروسوفت تطلق ويندوز 10", "body": "نظام ويندوز الجديد متاح"},
        {"id": "S-2", "title": "انفجار في بلدة سوروتش", "body": "قتلى في انفجار سوروتش"},
        {"id": "S-3", "title": "أسعار النفط", "body": "تراجع أسعار النفط في الأسواق"},
        {"id": "S-4", "title": "تحديث أمني", "body": "تحديث جديد لنظام ويندوز"},  # unjudged
    ]
    with gzip.open(root / "data" / "snn-000.jsonl.gz", "wb") as f:
        f.write(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    topics = [
        {"qid": "S01", "query": "Windows 10", "kind": "digits-latin"},
        {"qid": "S02", "query": "انفجار سروتش", "kind": "entity-variant"},
        {"qid": "S03", "query": "أسعار النفط", "kind": "topical"},
    ]
    (root / "topics" / "topics.jsonl").write_bytes(
        b"".join(orjson.dumps(t) + b"\n" for t in topics)
    )
    (root / "topics" / "qrels.trec").write_text(
        "S01 0 S-1 2\nS02 0 S-2 2\nS03 0 S-3 1\nS03 0 S-1 0\n", encoding="utf-8"
    )
    t = load_task("snn-topics", tmp_path)
    assert t.groups == {"S01": "digits-latin", "S02": "entity-variant", "S03": "topical"}
    assert t.summary()["groups"] == t.groups and t.qrels["S03"] == {"S-3": 1, "S-1": 0}
    result = Experiment({"defaults": Setup(analyzer="light")}, t, k=10).run()
    by_kind = result.group_means("nDCG@10")["defaults"]
    assert by_kind == {"digits-latin": 1.0, "entity-variant": 1.0, "topical": 1.0, "all": 1.0}
    md = result.to_markdown()
    assert "nDCG@10 by kind of query" in md
    # S01 also finds the unjudged S-4: Judged@10 0.5, marked as a figure not to trust.
    assert "| `defaults` | 1.000 (0.50!) | 1.000 (1.00) | 1.000 (1.00) | 1.000 (0.83!) |" in md
