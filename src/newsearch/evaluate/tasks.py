"""Benchmark tasks: a corpus, queries and relevance judgments (qrels), in TREC format.

A :class:`Task` is plain data plus a corpus loader. Four tasks are built from the datasets in
``../shared/datasets`` (see each folder's SOURCE.md for license and citation):

``arcd``
    ARCD training questions -> the Wikipedia paragraph each was written on (grade 2) and other
    paragraphs of the same article containing the answer (grade 1), with all 30,338 ANT
    multi-source articles mixed in as distractors.
``ans-paraphrase``
    The rewrite (s2) of each ANS ``agree`` pair -> its original headline (s1), among every
    distinct headline of the train and dev splits; ``disagree`` rewrites stay in the collection
    as hard negatives. The query's own headline is excluded from its ranking.
``ant-cross-outlet``
    The headline of an ANT article A -> every article of another outlet that the silver pairs
    (TF-IDF cosine >= 0.5, published within a day, before July 2018) pair with A, and their
    exact-body copies. A and its own copies are excluded from A's ranking.
``ant-known-item``
    ANT's 2,000 known-item title queries -> the article (and its exact-body copies), searching
    the body only (the title field is not searched).
``ant-related-easy``, ``ant-related-hard``, ``ant-related-hard-same``
    Related news (``kind="related"``: the query is an article id): each article of a silver
    cross-outlet pair (Feb-Jun 2018) -> its partner from another outlet (and the partner's
    exact-body copies), in the easy band (TF-IDF cosine >= 0.5: mostly wire rewrites), the
    hard band (0.3-0.5: the same story told differently, mixed with follow-ups), and the 61
    hard-band pairs of an 80-pair random sample that a reader judged to be one story
    (``evaluate/data/related_hard_judged.tsv``). A partner listed in "also published by" counts
    as found at rank 1. The per-query metric ``Copies@10`` is the share of the top 10 related
    items that are near-copies of the article or of a higher-ranked item.
``snn-topics``
    40 user-style search-box queries over SaudiNewsNet (31,030 articles, 2015) in four kinds
    (a foreign name in a rarer spelling, Latin script or Arabic-Indic digits, another word
    form, ordinary topical queries), with graded judgments pooled from several systems
    (``saudinewsnet/topics/README.md``). Reported per kind too (:attr:`Task.groups`).

A user adds a task in a few lines, from files (:meth:`Task.from_files`) or a loader
(:func:`register_task`).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError, UnknownComponentError
from .engines import Doc
from .trec import (
    Qrels,
    Run,
    read_docs,
    read_qrels,
    read_queries,
    read_run,
    write_qrels,
    write_run,
)
from .trec import open_text as _open_text

__all__ = [
    "DEFAULT_DATA_DIR",
    "Task",
    "load_task",
    "read_qrels",
    "read_queries",
    "read_run",
    "register_task",
    "task_names",
    "write_qrels",
    "write_run",
]

#: Where the datasets are unless ``--data`` says otherwise (the repository's sibling folder).
DEFAULT_DATA_DIR = Path("../shared/datasets")


@dataclass
class Task:
    """A retrieval task: ``queries`` (id -> text) judged by ``qrels`` (query id -> doc id ->
    grade) over a corpus read by ``load_docs``.

    ``corpus`` names the collection: tasks with the same corpus name share one index build.
    ``fields`` are the document fields searched (``("body",)`` for known-item search).
    ``exclude`` lists, per query, documents removed from that query's ranking (the query's
    own article). ``fingerprint`` identifies the corpus files' version, for build caches.
    """

    name: str
    corpus: str
    queries: dict[str, str]
    qrels: Qrels
    load_docs: Callable[[], Iterable[Doc]]
    fields: tuple[str, ...] = ("title", "body")
    exclude: dict[str, frozenset[str]] = field(default_factory=dict)
    description: str = ""
    citation: str = ""
    fingerprint: str = ""
    #: ``search`` (queries are text) or ``related`` (queries are ids of articles of the corpus,
    #: answered by an engine's ``related_all``).
    kind: str = "search"
    #: Metrics the task is reported with by default (``None``: the runner's defaults).
    metrics: tuple[str, ...] | None = None
    #: ``extra_metrics(run, also) -> {metric: {qid: value}}``: per-query metrics that
    #: ir-measures does not compute (``also``: each query's "also published by" ids).
    extra_metrics: Callable[[Run, dict[str, list[str]]], dict[str, dict[str, float]]] | None = None
    #: Query id -> its kind (``snn-topics``: entity-variant, digits-latin, ...): results are
    #: also reported per kind.
    groups: dict[str, str] = field(default_factory=dict)

    def docs(self) -> Iterator[Doc]:
        yield from self.load_docs()

    def summary(self) -> dict[str, Any]:
        """What a run's JSON records about the task."""
        judged = sum(len(v) for v in self.qrels.values())
        return {
            "name": self.name,
            "corpus": self.corpus,
            "fields": list(self.fields),
            "queries": len(self.queries),
            "judgments": judged,
            "excluded": sum(len(v) for v in self.exclude.values()),
            "description": self.description,
            "citation": self.citation,
            "fingerprint": self.fingerprint,
            "kind": self.kind,
        } | ({"groups": dict(self.groups)} if self.groups else {})

    @classmethod
    def from_files(
        cls,
        name: str,
        *,
        corpus: str | os.PathLike[str],
        queries: str | os.PathLike[str],
        qrels: str | os.PathLike[str],
        fields: Iterable[str] = ("title", "body"),
        description: str = "",
    ) -> Task:
        """A task from a JSON Lines corpus (``id``, ``title``, ``body``; gzip allowed), queries
        (TSV ``qid<TAB>text`` or JSON Lines with ``id`` and ``query``) and TREC qrels."""
        path = Path(corpus)
        return cls(
            name=name,
            corpus=f"file:{path.resolve()}",
            queries=read_queries(queries),
            qrels=read_qrels(qrels),
            load_docs=lambda: read_docs(path),
            fields=tuple(fields),
            description=description,
            fingerprint=_fingerprint([path]),
        )


def _fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- the datasets

_ANT = "ant-multisource"
_CITE_ANT = (
    "Chouigui, Ben Khiroun, Elayeb: An Arabic Multi-source News Corpus, AJSE 46 (2021); "
    "ANT Corpus, AICCSA 2017"
)
_CITE_ARCD = "Mozannar et al.: Neural Arabic Question Answering, WANLP 2019 (ARCD)"
_CITE_ANS = "Khouja: Stance Prediction and Claim Verification: An Arabic Perspective, FEVER 2020"


def _need(path: Path) -> Path:
    if not path.exists():
        raise ConfigError(f"dataset file not found: {path} (pass --data DIR with the datasets)")
    return path


def _ant_shards(data: Path) -> list[Path]:
    shards = sorted((data / _ANT / "data").glob("*.jsonl.gz"))
    if not shards:
        raise ConfigError(f"no ANT shards in {data / _ANT / 'data'} (pass --data DIR)")
    return shards


def _ant_docs(data: Path) -> Callable[[], Iterator[Doc]]:
    shards = _ant_shards(data)
    return lambda: read_docs(*shards)


def _ant_copies(data: Path) -> dict[str, frozenset[str]]:
    """Each ANT article with an exact-body copy -> all members of its copy group."""
    groups: dict[str, set[str]] = defaultdict(set)
    for shard in _ant_shards(data):
        with _open_text(shard) as f:
            for line in f:
                if '"body_dup_group"' in line:
                    obj = orjson.loads(line)
                    groups[obj["body_dup_group"]].add(obj["id"])
    out: dict[str, frozenset[str]] = {}
    for members in groups.values():
        frozen = frozenset(members)
        for m in members:
            out[m] = frozen
    return out


def _arcd(data: Path) -> Task:
    root = data / "arcd" / "derived"
    corpus = _need(root / "corpus.jsonl")
    queries = read_queries(_need(root / "queries.jsonl"))
    qrels = read_qrels(_need(root / "qrels.trec"))
    shards = _ant_shards(data)
    return Task(
        name="arcd",
        corpus="arcd+ant",
        queries={q: t for q, t in queries.items() if q in qrels},
        qrels=qrels,
        load_docs=lambda: read_docs(corpus, *shards),
        description="ARCD questions -> Wikipedia paragraphs, with ANT articles as distractors",
        citation=f"{_CITE_ARCD}; {_CITE_ANT}",
        fingerprint=_fingerprint([corpus, *shards]),
    )


def _ans(data: Path) -> Task:
    root = data / "ans" / "original" / "data" / "stance"
    files = [_need(root / "train.csv"), _need(root / "dev.csv")]
    pairs: list[tuple[str, str, str]] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                pairs.append((row["s1"].strip(), row["s2"].strip(), row["stance"].strip()))
    ids: dict[str, str] = {}
    for s1, s2, _ in pairs:
        for text in (s1, s2):
            if text and text not in ids:
                ids[text] = f"ans-{len(ids):05d}"
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    exclude: dict[str, frozenset[str]] = {}
    for s1, s2, stance in pairs:
        if stance != "agree" or not s1 or not s2 or s1 == s2:
            continue
        qid = f"q{ids[s2]}"
        if qid in queries:  # the same rewrite of two headlines: judge both
            qrels[qid][ids[s1]] = 1
            continue
        queries[qid] = s2
        qrels[qid] = {ids[s1]: 1}
        exclude[qid] = frozenset({ids[s2]})
    docs = [Doc(id=i, title=text, body="") for text, i in ids.items()]
    return Task(
        name="ans-paraphrase",
        corpus="ans-headlines",
        queries=queries,
        qrels=qrels,
        load_docs=lambda: iter(docs),
        fields=("title",),
        exclude=exclude,
        description="ANS agree rewrite -> its original headline among all train+dev headlines",
        citation=_CITE_ANS,
        fingerprint=_fingerprint(files),
    )


#: Silver pairs at or above this TF-IDF cosine are "almost always the same story" (SOURCE.md).
CROSS_OUTLET_MIN_COSINE = 0.5


def _ant_cross_outlet(data: Path) -> Task:
    pairs_file = _need(data / _ANT / "silver" / "cross_outlet_pairs_1day_cos0.3.tsv.gz")
    partners: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    with _open_text(pairs_file) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if float(row["cosine"]) < CROSS_OUTLET_MIN_COSINE:
                continue
            a, b = row["id_a"], row["id_b"]
            partners[a].add(b)
            partners[b].add(a)
            titles[a], titles[b] = row["title_a"], row["title_b"]
    copies = _ant_copies(data)
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    exclude: dict[str, frozenset[str]] = {}
    for a in sorted(partners):
        own = copies.get(a, frozenset({a})) | {a}
        relevant: set[str] = set()
        for b in partners[a]:
            relevant |= copies.get(b, frozenset()) | {b}
        relevant -= own
        if not relevant or not titles[a].strip():
            continue
        queries[a] = titles[a]
        qrels[a] = dict.fromkeys(sorted(relevant), 1)
        exclude[a] = frozenset(own)
    shards = _ant_shards(data)
    return Task(
        name="ant-cross-outlet",
        corpus="ant",
        queries=queries,
        qrels=qrels,
        load_docs=_ant_docs(data),
        exclude=exclude,
        description="ANT headline -> same-story article of another outlet (silver, cos >= 0.5)",
        citation=_CITE_ANT,
        fingerprint=_fingerprint(shards),
    )


def _ant_known_item(data: Path) -> Task:
    root = data / _ANT / "sample"
    shards = _ant_shards(data)
    return Task(
        name="ant-known-item",
        corpus="ant",
        queries=read_queries(_need(root / "known_item_title_queries.tsv")),
        qrels=read_qrels(_need(root / "known_item_title_qrels.trec")),
        load_docs=_ant_docs(data),
        fields=("body",),
        description="ANT known-item: title -> its article, body field only",
        citation=_CITE_ANT,
        fingerprint=_fingerprint(shards),
    )


#: Related-news bands of the silver pairs (cosine ranges, upper bound excluded).
RELATED_BANDS = {"easy": (0.5, 1.01), "hard": (0.3, 0.5)}
#: Silver pairs are dated Feb-Jun 2018 (SOURCE.md); related news is judged on those.
RELATED_METRICS = ("R@5", "R@10", "RR@10", "Copies@10")
_JUDGED = "related_hard_judged.tsv"


def judged_pairs() -> list[tuple[str, str, float, str]]:
    """The hand-judged hard-band sample: (id_a, id_b, cosine, ``same``/``other``)."""
    from importlib.resources import files

    text = files("newsearch.evaluate").joinpath("data", _JUDGED).read_text(encoding="utf-8")
    rows = csv.DictReader(
        (ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t"
    )
    return [(r["id_a"], r["id_b"], float(r["cosine"]), r["judgment"]) for r in rows]


def _ant_related(band: str) -> Callable[[Path], Task]:
    def load(data: Path) -> Task:
        pairs_file = _need(data / _ANT / "silver" / "cross_outlet_pairs_1day_cos0.3.tsv.gz")
        partners: dict[str, set[str]] = defaultdict(set)
        if band == "hard-same":
            for a, b, _, judgment in judged_pairs():
                if judgment == "same":
                    partners[a].add(b)
                    partners[b].add(a)
            what = "the 61 hand-judged same-story pairs of an 80-pair hard-band sample"
        else:
            lo, hi = RELATED_BANDS[band]
            with _open_text(pairs_file) as f:
                for row in csv.DictReader(f, delimiter="\t"):
                    if lo <= float(row["cosine"]) < hi:
                        partners[row["id_a"]].add(row["id_b"])
                        partners[row["id_b"]].add(row["id_a"])
            what = f"silver cosine {lo}-{min(hi, 1.0)}"
        copies = _ant_copies(data)
        qrels: Qrels = {}
        for a in sorted(partners):
            relevant: set[str] = set()
            for b in partners[a]:
                relevant |= copies.get(b, frozenset()) | {b}
            relevant.discard(a)
            if relevant:
                qrels[a] = dict.fromkeys(sorted(relevant), 1)
        shards = _ant_shards(data)
        load_docs = _ant_docs(data)
        return Task(
            name=f"ant-related-{band}",
            corpus="ant",
            queries={a: a for a in qrels},
            qrels=qrels,
            load_docs=load_docs,
            exclude={a: frozenset({a}) for a in qrels},
            description=f"ANT related news: article -> same-story article of another outlet "
            f"({what})",
            citation=_CITE_ANT,
            fingerprint=_fingerprint(shards),
            kind="related",
            metrics=RELATED_METRICS,
            extra_metrics=_copies_metric(load_docs),
        )

    return load


#: The judge of "near-copy" in ``Copies@10``: the Jaccard similarity of two articles' sets of
#: word pairs (the copy text of :mod:`newsearch.duplicates`: the normalized body), computed
#: exactly, at least this. The duplicates API calls 0.8 a copy; half the word pairs shared is
#: already a lightly edited copy of one dispatch to a reader, where two outlets' own rewrites of
#: a story share far fewer.
NEAR_COPY_JACCARD = 0.5


def word_shingles(title: str, body: str) -> frozenset[str]:
    """The set of word pairs of an article's copy text (see :func:`duplicates.copy_words`)."""
    from ..duplicates import SHINGLE_WORDS, copy_words

    words = copy_words(body, title)
    n = SHINGLE_WORDS
    if len(words) < n:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _copies_metric(
    load_docs: Callable[[], Iterable[Doc]],
) -> Callable[[Run, dict[str, list[str]]], dict[str, dict[str, float]]]:
    """``Copies@10``: per query, the share of its top 10 related items that are near-copies
    (:data:`NEAR_COPY_JACCARD`) of the query's article or of an item ranked above them."""

    def metric(run: Run, also: dict[str, list[str]]) -> dict[str, dict[str, float]]:
        need = set(run) | {d for ranked in run.values() for d, _ in ranked[:10]}
        sh = {d.id: word_shingles(d.title, d.body) for d in load_docs() if d.id in need}
        out: dict[str, float] = {}
        for qid, ranked in run.items():
            shown = [sh.get(qid, frozenset())]
            top = [d for d, _ in ranked[:10]]
            bad = 0
            for d in top:
                mine = sh.get(d, frozenset())
                if any(jaccard(mine, other) >= NEAR_COPY_JACCARD for other in shown):
                    bad += 1
                shown.append(mine)
            out[qid] = bad / len(top) if top else 0.0
        return {"Copies@10": out}

    return metric


_SNN = "saudinewsnet"
_CITE_SNN = "Alhagri: Saudi Newspapers Arabic Corpus (SaudiNewsNet), 2015"


def _snn_topics(data: Path) -> Task:
    """User-style search topics over SaudiNewsNet (``topics/README.md``): graded judgments
    pooled at depth 20; unjudged articles count as non-relevant, so report Judged@10."""
    root = data / _SNN / "topics"
    topics = _need(root / "topics.jsonl")
    queries: dict[str, str] = {}
    groups: dict[str, str] = {}
    with _open_text(topics) as f:
        for line in f:
            if line.strip():
                obj = orjson.loads(line)
                queries[obj["qid"]] = obj["query"]
                groups[obj["qid"]] = obj.get("kind", "")
    qrels = read_qrels(_need(root / "qrels.trec"))
    shards = sorted((data / _SNN / "data").glob("*.jsonl.gz"))
    if not shards:
        raise ConfigError(f"no SaudiNewsNet shards in {data / _SNN / 'data'} (pass --data DIR)")
    return Task(
        name="snn-topics",
        corpus="snn",
        queries={q: t for q, t in queries.items() if q in qrels},
        qrels=qrels,
        load_docs=lambda: read_docs(*shards),
        description="user-style search topics (4 kinds) -> graded SaudiNewsNet articles",
        citation=_CITE_SNN,
        fingerprint=_fingerprint([topics, root / "qrels.trec", *shards]),
        groups={q: k for q, k in groups.items() if q in qrels},
    )


_TASKS: dict[str, Callable[[Path], Task]] = {
    "arcd": _arcd,
    "ans-paraphrase": _ans,
    "ant-cross-outlet": _ant_cross_outlet,
    "ant-known-item": _ant_known_item,
    "ant-related-easy": _ant_related("easy"),
    "ant-related-hard": _ant_related("hard"),
    "ant-related-hard-same": _ant_related("hard-same"),
    "snn-topics": _snn_topics,
}


def register_task(name: str, loader: Callable[[Path], Task]) -> None:
    """Register ``loader(data_dir) -> Task`` under ``name``."""
    _TASKS[name] = loader


def task_names() -> list[str]:
    return sorted(_TASKS)


def load_task(name: str, data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR) -> Task:
    """The task ``name`` built from the datasets under ``data_dir``."""
    try:
        loader = _TASKS[name]
    except KeyError:
        raise UnknownComponentError("task", name, list(_TASKS)) from None
    return loader(Path(data_dir))
