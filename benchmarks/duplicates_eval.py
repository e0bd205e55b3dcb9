"""Near-duplicate detection measured: pairwise precision/recall of copy decisions, contradictions
merged, lookup latency at 71k articles, find_duplicates wall time, and the ingest cost.

Copy labels (silver, built here from the texts; nothing human-judged):

* The *copy text* of an article is what :mod:`newsearch.duplicates` compares:
  ``copy_words(body, title)`` (the normalized body's words; title + body when the body is under
  200 characters). Articles whose copy text has fewer than ``MIN_WORDS`` words are left out
  (they get no signature; counted in the output).
* ``J5`` of two articles = the exact Jaccard similarity of the sets of character 5-grams of their
  copy texts (words joined by single spaces). A different measure from the one the library
  estimates (MinHash of *word pairs*), on the same text.
* Every pair with ``J5 >= 0.8`` is found without comparing all pairs: an independent LSH over
  the 5-gram sets (datasketch ``affine64``, seed 20261129, 240 permutations in 40 bands of 6,
  exact integer codes of the 5-grams as input hashes) proposes candidates (a pair at J5 = 0.9
  is missed with probability 1e-13, at 0.8 with 1e-5) and every candidate's J5 is computed
  exactly. Over the ANT corpus this finds every pair an exact prefix-filter join finds (checked
  once; see docs/related.md).
* ``copy``: J5 >= 0.9. ``borderline``: 0.8 <= J5 < 0.9 (light edits: a paper's byline or link
  line, honorifics, a figure in words; and some rewrites). ``not a copy``: J5 < 0.8.
* ``precision`` = predicted copies with J5 >= 0.9 / predicted copies that are not borderline;
  ``strict precision`` counts borderline predictions as wrong too; ``recall`` = copies
  predicted / copies.

Also: ANT's own ``body_dup_group`` (exact-body duplicates under different URLs) and ``alt_ids``
(the same URL filed twice, merged upstream: re-created here as a second record with the other
id) as given; ANS headline pairs (``disagree`` = a minimally edited contradiction must not be
merged); a rule ablation (threshold x numbers/negation check) on the same candidate pairs.

    python benchmarks/duplicates_eval.py [--data ../shared/datasets] [--corpus ant snn]
        [--lookups 2000] [--ingest-docs 5000] [--skip-index] [--workdir .bench-cache/duplicates]

Writes ``benchmarks/results/duplicates-TIME.json`` (config, git state, machine, versions,
timings, metrics) and ``.md``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import gzip
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path
from index_speed import shards
from newsearch import copies
from newsearch import duplicates as dup
from newsearch.evaluate.provenance import PACKAGES

LABEL = {"n": 5, "perm": 240, "bands": 40, "rows": 6, "seed": 20261129, "keep": 0.8}
COPY, BORDER = 0.9, 0.8
THRESHOLDS = (0.7, 0.75, 0.8, 0.85, 0.9)
FACTS = ("none", "short", "all")


def load(files: list[Path]) -> list[dict[str, Any]]:
    out = []
    for p in files:
        with gzip.open(p, "rb") as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p)) if xs else float("nan")


# --- labels -----------------------------------------------------------------------------------


def gram_sets(texts: list[str], n: int) -> list[np.ndarray]:
    """Exact integer codes of each text's character n-grams (the alphabet renumbered)."""
    alphabet = sorted(set("".join(texts)))
    code = {c: i + 1 for i, c in enumerate(alphabet)}
    bits = len(alphabet).bit_length()
    if bits * n > 63:
        raise SystemExit(f"{len(alphabet)} distinct characters: {n}-grams do not fit 63 bits")
    out = []
    for t in texts:
        a = np.fromiter((code[c] for c in t), dtype=np.int64, count=len(t))
        if len(a) < n:
            a = np.concatenate([a, np.zeros(n - len(a), dtype=np.int64)])
        g = np.zeros(len(a) - n + 1, dtype=np.int64)
        for k in range(n):
            g = (g << bits) | a[k : len(a) - n + 1 + k]
        out.append(np.unique(g))
    return out


def _identity(x: int) -> int:
    return int(x)


def bucket_pairs(sigs: np.ndarray, docs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    n = len(sigs)
    chunks = []
    for b in range(bands):
        band = np.ascontiguousarray(sigs[docs, b * rows : (b + 1) * rows])
        keys = band.view(np.dtype((np.void, band.itemsize * rows))).ravel()
        _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared = counts[inv] > 1
        members, bucket = docs[shared], inv[shared]
        order = np.argsort(bucket, kind="stable")
        members, bucket = members[order], bucket[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        ends = np.r_[starts[1:], len(bucket)]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            g = members[s:e]
            i, j = np.triu_indices(len(g), 1)
            chunks.append(g[i] * n + g[j])
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack([codes // n, codes % n], axis=1)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def label_pairs(grams: list[np.ndarray], ok: np.ndarray) -> dict[tuple[int, int], float]:
    """Every pair with J5 >= LABEL['keep'], with its exact J5."""
    from datasketch import MinHash

    perm = LABEL["perm"]
    tmpl = MinHash(num_perm=perm, seed=LABEL["seed"], scheme="affine64", hashfunc=_identity)
    sigs = np.zeros((len(grams), perm), dtype=np.uint64)
    for i, g in enumerate(grams):
        if ok[i]:
            m = MinHash(
                num_perm=perm, seed=LABEL["seed"], scheme="affine64", hashfunc=_identity,
                permutations=tmpl.permutations,
            )  # fmt: skip
            m.update_batch(g.tolist())
            sigs[i] = m.hashvalues
    out = {}
    for a, b in bucket_pairs(sigs, np.flatnonzero(ok), LABEL["bands"], LABEL["rows"]).tolist():
        la, lb = len(grams[a]), len(grams[b])
        if min(la, lb) < LABEL["keep"] * max(la, lb):
            continue  # J <= min/max
        j = jaccard(grams[a], grams[b])
        if j >= LABEL["keep"]:
            out[(a, b)] = j
    return out


# --- the library's decisions ------------------------------------------------------------------


def decide(sigs: np.ndarray, pairs: np.ndarray, threshold: float, facts: str) -> np.ndarray:
    """The decision rule of :func:`newsearch.duplicates.is_copy`, vectorized, with the
    threshold and the numbers/negation check as parameters (``facts="short"`` is the
    library's rule)."""
    a, b = sigs[pairs[:, 0]], sigs[pairs[:, 1]]
    exact = (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 1])
    sim = (a[:, dup.HEADER :] == b[:, dup.HEADER :]).mean(axis=1)
    same_facts = (a[:, 2] == b[:, 2]) & (a[:, 3] == b[:, 3])
    if facts == "none":
        facts_ok = np.ones(len(pairs), dtype=bool)
    elif facts == "all":
        facts_ok = same_facts
    else:
        short = np.minimum(a[:, 4], b[:, 4]) < dup.SHORT_SHINGLES
        facts_ok = same_facts | ~short
    return exact | ((sim >= threshold) & facts_ok)


def score(
    predicted: set[tuple[int, int]],
    labels: dict[tuple[int, int], float],
    grams: list[np.ndarray],
) -> dict[str, Any]:
    positives = {p for p, j in labels.items() if j >= COPY}
    tp = len(predicted & positives)
    bands = {"copy": 0, "borderline": 0, "not_copy": 0}
    worst = []
    for p in predicted:
        j = labels.get(p)
        if j is None:
            j = jaccard(grams[p[0]], grams[p[1]])
        if j >= COPY:
            bands["copy"] += 1
        elif j >= BORDER:
            bands["borderline"] += 1
        else:
            bands["not_copy"] += 1
            worst.append(round(j, 3))
    judged = bands["copy"] + bands["not_copy"]
    return {
        "copies": len(positives),
        "predicted": len(predicted),
        "true_positives": tp,
        "recall": tp / len(positives) if positives else float("nan"),
        "precision": tp / judged if judged else float("nan"),
        "strict_precision": tp / len(predicted) if predicted else float("nan"),
        "predicted_by_band": bands,
        "not_copy_j5": sorted(worst)[:20],
    }


def evaluate_corpus(name: str, data: Path, log: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    docs = load(shards(data, name))
    extra = 0
    if name == "ant":  # the same URL filed twice: merged upstream, re-created as two records
        for d in list(docs):
            for alt in d.get("alt_ids") or ():
                docs.append({**d, "id": alt, "alt_of": d["id"], "alt_ids": None})
                extra += 1
    words = [dup.copy_words(d.get("body") or "", d.get("title") or "") for d in docs]
    ok = np.array([len(w) >= dup.MIN_WORDS for w in words])
    log(f"{name}: {len(docs)} records ({extra} re-created alt_ids copies), loaded")

    t1 = time.perf_counter()
    sigs = np.zeros((len(docs), dup.SIGNATURE_LEN), dtype=np.uint32)
    for i, w in enumerate(words):
        s = dup._signature(w)
        if s is not None:
            sigs[i] = s
    sig_seconds = time.perf_counter() - t1
    candidates = copies._candidate_pairs(sigs, ok)  # the band grouping find_duplicates uses
    log(f"{name}: signatures {sig_seconds:.0f} s, {len(candidates)} candidate pairs")

    t2 = time.perf_counter()
    grams = gram_sets([" ".join(w) for w in words], LABEL["n"])
    labels = label_pairs(grams, ok)
    label_seconds = time.perf_counter() - t2
    log(f"{name}: labels {label_seconds:.0f} s, {len(labels)} pairs with J5 >= {BORDER}")

    pair_list = [tuple(p) for p in candidates.tolist()]
    positives = {p for p, j in labels.items() if j >= COPY}
    default = decide(sigs, candidates, dup.THRESHOLD, "short")
    predicted = {p for p, yes in zip(pair_list, default.tolist(), strict=True) if yes}
    main = score(predicted, labels, grams)
    exact_pos = {p for p in positives if words[p[0]] == words[p[1]]}
    main["recall_exact_text"] = len(predicted & exact_pos) / len(exact_pos) if exact_pos else None
    near = positives - exact_pos
    main["recall_near_copies"] = len(predicted & near) / len(near) if near else None
    main["copies_exact_text"] = len(exact_pos)
    main["lsh_candidate_recall"] = len(set(pair_list) & positives) / max(1, len(positives))
    cross = {p for p in positives if docs[p[0]].get("source") != docs[p[1]].get("source")}
    main["recall_cross_outlet"] = len(predicted & cross) / len(cross) if cross else None
    main["copies_cross_outlet"] = len(cross)

    ablation = []
    for t in THRESHOLDS:
        for facts in FACTS:
            yes = decide(sigs, candidates, t, facts)
            pred = {p for p, y in zip(pair_list, yes.tolist(), strict=True) if y}
            s = score(pred, labels, grams)
            ablation.append(
                {"threshold": t, "facts": facts, **{k: s[k] for k in (
                    "recall", "precision", "strict_precision", "predicted", "predicted_by_band"
                )}}
            )  # fmt: skip

    out: dict[str, Any] = {
        "records": len(docs),
        "records_without_signature": int((~ok).sum()),
        "signature_ms_per_doc": 1000 * sig_seconds / len(docs),
        "candidate_pairs": len(candidates),
        "label_pairs_j5_ge_0.8": len(labels),
        "label_seconds": label_seconds,
        "default_rule": {"threshold": dup.THRESHOLD, "facts": "short", **main},
        "ablation": ablation,
    }
    index = {d["id"]: i for i, d in enumerate(docs)}
    given: dict[str, set[tuple[int, int]]] = defaultdict(set)
    groups: dict[Any, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        if d.get("body_dup_group") is not None and "alt_of" not in d:
            groups[d["body_dup_group"]].append(i)
        if "alt_of" in d:
            a, b = sorted((index[d["alt_of"]], i))
            given["alt_ids"].add((a, b))
    for members in groups.values():
        for x in members:
            for y in members:
                if x < y:
                    given["body_dup_group"].add((x, y))
    for kind, pairs in given.items():
        comparable = {p for p in pairs if ok[p[0]] and ok[p[1]]}
        titled = {
            p
            for p in comparable
            if len(" ".join(dup.copy_words(docs[p[0]].get("body") or ""))) < dup.MIN_BODY_CHARS
        }
        out[kind] = {
            "pairs": len(pairs),
            "comparable": len(comparable),
            "recall": len(predicted & comparable) / len(comparable) if comparable else None,
            "short_body_pairs": len(titled),
            "short_body_pairs_predicted": len(predicted & titled),
            "recall_long_bodies": (
                len(predicted & (comparable - titled)) / len(comparable - titled)
                if comparable - titled
                else None
            ),
        }
    out["seconds"] = time.perf_counter() - t0
    return out


def evaluate_ans(data: Path) -> dict[str, Any]:
    rows: list[dict[str, str]] = []
    for split in ("train", "dev"):
        path = data / "ans" / "original" / "data" / "stance" / f"{split}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    out: dict[str, Any] = {}
    for stance in ("disagree", "agree", "other"):
        rs = [r for r in rows if r["stance"] == stance]
        pairs = [(dup.signature_of(r["s1"]), dup.signature_of(r["s2"])) for r in rs]
        comparable = [(a, b) for a, b in pairs if a is not None and b is not None]
        res: dict[str, Any] = {"pairs": len(rs), "comparable": len(comparable)}
        if comparable:
            sigs = np.stack([s for ab in comparable for s in ab])
            idx = np.arange(len(sigs)).reshape(-1, 2)
            for t in THRESHOLDS:
                for facts in FACTS:
                    merged = int(decide(sigs, idx, t, facts).sum())
                    res[f"t={t} facts={facts}"] = {
                        "merged": merged,
                        "rate": merged / len(rs),
                        "rate_of_comparable": merged / len(comparable),
                    }
            res["default"] = res[f"t={dup.THRESHOLD} facts=short"]
            merged_examples = [
                (r["s1"], r["s2"])
                for r, (a, b) in zip(rs, pairs, strict=True)
                if a is not None and b is not None and dup.is_copy(a, b)
            ]
            res["merged_examples"] = merged_examples[:20]
        out[stance] = res
    return out


# --- speed ------------------------------------------------------------------------------------


def ingest_cost(data: Path, n: int, rounds: int, workdir: Path, log: Any) -> dict[str, Any]:
    """Index the same first ``n`` ANT articles with and without signatures, alternating which
    goes first; wall-clock docs/s and CPU time per article (the machine is shared: CPU time
    is the steadier figure)."""
    import newsearch.schema as schema
    from newsearch.index import NewsIndex

    records = load(shards(data, "ant")[:4])[:n]
    src = workdir / f"ingest-{n}.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    # importing datasketch (it imports scipy) is paid once per process, on the first signature:
    # timed apart, in a fresh interpreter, and done here before the timed runs
    code = "import time; t = time.perf_counter(); import datasketch; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import_seconds = float(done.stdout)
    dup.duplicate_fields("", "كلمة " * 10)
    real = schema.duplicate_fields
    runs: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, float] = {}
    for rnd in range(rounds):
        for mode in ("with", "without") if rnd % 2 == 0 else ("without", "with"):
            for workers in (1, 2):
                schema.duplicate_fields = real if mode == "with" else (lambda t, b: {})
                with tempfile.TemporaryDirectory(dir=workdir) as tmp:
                    ix = NewsIndex.create(Path(tmp) / "ix")
                    gc.collect()
                    multiprocessing.active_children()  # reap earlier workers (CPU time)
                    c0 = _cpu_seconds()
                    t0 = time.perf_counter()
                    ix.ingest(src, progress=False, workers=workers)
                    ix.close()
                    multiprocessing.active_children()  # reap this run's workers
                    dt = time.perf_counter() - t0
                    dc = _cpu_seconds() - c0
                    ix = NewsIndex.open(Path(tmp) / "ix")
                    ix.optimize()  # one segment: sizes comparable between runs
                    ix.close()
                    mb = sum(f.stat().st_size for f in (Path(tmp) / "ix").iterdir()) / 1e6
                key = f"{mode} signatures, {workers} worker(s)"
                runs[key].append(n / dt)
                cpu[key].append(1000 * dc / n)
                sizes[mode] = mb
                log(f"ingest {key}: {n / dt:.0f} docs/s, {1000 * dc / n:.2f} CPU ms/doc")
    schema.duplicate_fields = real
    t0 = time.perf_counter()
    for r in records:
        dup.duplicate_fields(r.get("title") or "", r.get("body") or "")
    alone = (time.perf_counter() - t0) / n
    src.unlink()
    return {
        "docs": n,
        "rounds": rounds,
        "docs_per_s": {k: v for k, v in runs.items()},
        "docs_per_s_best": {k: max(v) for k, v in runs.items()},
        "cpu_ms_per_doc": {k: v for k, v in cpu.items()},
        "cpu_ms_per_doc_median": {k: statistics.median(v) for k, v in cpu.items()},
        "signature_ms_per_doc": 1000 * alone,
        "datasketch_import_seconds": import_seconds,
        "index_mb_optimized": sizes,
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Whoosh's indexing workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def index_speed(data: Path, workdir: Path, lookups: int, log: Any) -> dict[str, Any]:
    from newsearch.index import NewsIndex

    path = workdir / "all-index"
    built = None
    try:
        ix = NewsIndex.open(path)
    except Exception:
        log(f"building {path} (ANT + SaudiNewsNet + Jawhara FM; a few minutes)")
        t0 = time.perf_counter()
        ix = NewsIndex.create(path, overwrite=True)
        ix.ingest(shards(data, "all"), progress=False)
        built = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in path.iterdir())
    out: dict[str, Any] = {"documents": len(ix), "index_mb": size / 1e6, "build_seconds": built}
    rng = random.Random(20261129)
    with ix.searcher() as s:
        t0 = time.perf_counter()
        view = s.snapshot.copies
        out["view_open_ms"] = 1000 * (time.perf_counter() - t0)
        r = s.view.reader
        out["segments"] = len(list(r.leaf_readers()))
        live = [d for d in range(r.doc_count_all()) if not r.is_deleted(d)]
        sample = rng.sample(live, min(lookups, len(live)))
        ids = [r.stored_fields(d)["id"] for d in sample]
        copies_ms, dup_ms, ncand, found = [], [], [], 0
        for d, aid in zip(sample, ids, strict=True):
            t0 = time.perf_counter()
            cs = view.copies(d)
            copies_ms.append(1000 * (time.perf_counter() - t0))
            t0 = time.perf_counter()
            full = s.duplicates(aid)
            dup_ms.append(1000 * (time.perf_counter() - t0))
            sig = view.signature(d)
            ncand.append(len(view.candidates(sig)) if sig is not None else 0)
            found += bool(cs)
            assert len(full) == len(cs)
        out["lookups"] = len(sample)
        out["lookups_with_copies"] = found
        out["candidates_per_lookup"] = {"mean": statistics.fmean(ncand), "max": max(ncand)}
        for name, xs in (("copies", copies_ms), ("duplicates", dup_ms)):
            out[f"{name}_ms"] = {
                "p50": pct(xs, 50), "p95": pct(xs, 95), "p99": pct(xs, 99),
                "mean": statistics.fmean(xs), "max": max(xs),
            }  # fmt: skip
        log(f"lookups: copies p50 {pct(copies_ms, 50):.2f} ms, p95 {pct(copies_ms, 95):.2f} ms")
        t0 = time.perf_counter()
        groups = s.duplicate_groups()
        out["find_duplicates_seconds"] = time.perf_counter() - t0
        out["groups"] = len(groups)
        out["articles_in_groups"] = sum(len(g) for g in groups)
        out["largest_groups"] = [len(g) for g in groups[:10]]
        log(f"find_duplicates: {out['find_duplicates_seconds']:.1f} s, {len(groups)} groups")
    return out


# --- report -----------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Near-duplicates ({report['started']})",
        "",
        f"`{report['command']}` at commit `{report['git']['commit'][:10]}`"
        f"{' (dirty)' if report['git']['dirty'] else ''}; "
        f"{report['machine']['cpu_model']}, {report['machine']['nproc']} cores, "
        f"load {report['machine']['loadavg_start'][0]:.1f} at start.",
        "",
        f"Rule: estimated Jaccard of word pairs >= {dup.THRESHOLD} ({dup.NUM_PERM} permutations,"
        f" {dup.BANDS} bands x {dup.ROWS} rows), numbers/negations equal for texts under "
        f"{dup.SHORT_SHINGLES} shingles. Labels: copy J5 >= {COPY}, borderline "
        f"{BORDER}-{COPY}, not a copy < {BORDER}.",
        "",
    ]
    pw = report["results"].get("pairwise", {})
    if pw:
        lines += [
            "| corpus | copies | predicted | recall | precision | strict precision | "
            "borderline predicted | not-copy predicted | recall exact / near |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, r in pw.items():
            d = r["default_rule"]
            b = d["predicted_by_band"]
            lines.append(
                f"| {name} | {d['copies']} | {d['predicted']} | {d['recall']:.4f} | "
                f"{d['precision']:.4f} | {d['strict_precision']:.4f} | {b['borderline']} | "
                f"{b['not_copy']} | {d['recall_exact_text']:.4f} / {d['recall_near_copies']:.4f} |"
            )
        lines.append("")
        for name, r in pw.items():
            for kind in ("body_dup_group", "alt_ids"):
                if kind in r:
                    g = r[kind]
                    lines.append(
                        f"- {name} `{kind}`: {g['pairs']} pairs, {g['comparable']} comparable, "
                        f"recall {g['recall']:.4f}; {g['short_body_pairs']} pairs with a "
                        f"body under {dup.MIN_BODY_CHARS} chars (compared with titles), "
                        f"{g['short_body_pairs_predicted']} predicted; recall on longer "
                        f"bodies {g['recall_long_bodies']}"
                    )
        lines += ["", "Ablation (recall / precision / strict precision):", ""]
        header = "| threshold | facts | " + " | ".join(pw) + " |"
        lines += [header, "|---|---|" + "---|" * len(pw)]
        keys = [(a["threshold"], a["facts"]) for a in next(iter(pw.values()))["ablation"]]
        for i, (t, f) in enumerate(keys):
            cells = []
            for r in pw.values():
                a = r["ablation"][i]
                cells.append(
                    f"{a['recall']:.3f} / {a['precision']:.3f} / {a['strict_precision']:.3f}"
                )
            lines.append(f"| {t} | {f} | " + " | ".join(cells) + " |")
        lines.append("")
    ans = report["results"].get("ans")
    if ans:
        lines += ["ANS headline pairs merged (default rule):", ""]
        for stance, r in ans.items():
            if "default" in r:
                d = r["default"]
                lines.append(
                    f"- {stance}: {d['merged']} of {r['pairs']} ({d['rate']:.2%}; "
                    f"{d['rate_of_comparable']:.2%} of the {r['comparable']} pairs whose "
                    f"headlines both have {dup.MIN_WORDS}+ words)"
                )
        lines.append("")
    ing = report["results"].get("ingest")
    if ing:
        lines += [
            f"Ingest, first {ing['docs']} ANT articles, {ing['rounds']} rounds (best docs/s; "
            "median CPU ms per article, workers included):",
            "",
        ]
        for k, v in ing["docs_per_s_best"].items():
            lines.append(f"- {k}: {v:.0f} docs/s, {ing['cpu_ms_per_doc_median'][k]:.2f} CPU ms")
        lines += [
            f"- signature alone: {ing['signature_ms_per_doc']:.3f} ms/doc; importing datasketch "
            f"(once per process): {ing['datasketch_import_seconds']:.2f} s",
            "- index size, optimized: "
            + ", ".join(f"{k} signatures {v:.1f} MB" for k, v in ing["index_mb_optimized"].items()),
            "",
        ]
    sp = report["results"].get("index")
    if sp:
        c, d = sp["copies_ms"], sp["duplicates_ms"]
        lines += [
            f"Index of {sp['documents']} articles ({sp['segments']} segments, "
            f"{sp['index_mb']:.0f} MB): {sp['lookups']} random lookups, "
            f"{sp['lookups_with_copies']} with copies, "
            f"{sp['candidates_per_lookup']['mean']:.2f} candidates on average.",
            "",
            f"- `DuplicateView.copies(docnum)`: p50 {c['p50']:.2f} ms, p95 {c['p95']:.2f} ms, "
            f"max {c['max']:.1f} ms",
            f"- `Searcher.duplicates(id)` (id lookup + stored fields): p50 {d['p50']:.2f} ms, "
            f"p95 {d['p95']:.2f} ms",
            f"- `find_duplicates`: {sp['find_duplicates_seconds']:.1f} s, {sp['groups']} groups, "
            f"{sp['articles_in_groups']} articles",
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--workdir", type=Path, default=Path(".bench-cache/duplicates"))
    ap.add_argument("--corpus", nargs="*", default=["ant", "snn"], choices=["ant", "snn"])
    ap.add_argument("--lookups", type=int, default=2000, help="timed lookups at 71k articles")
    ap.add_argument("--ingest-docs", type=int, default=5000, help="0: skip the ingest cost")
    ap.add_argument("--ingest-rounds", type=int, default=3)
    ap.add_argument("--skip-index", action="store_true", help="no 71k index, latency or groups")
    ap.add_argument("--skip-ans", action="store_true")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    git = git_info()
    report: dict[str, Any] = {
        "benchmark": "duplicates",
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["python", *sys.argv]),
        "config": {
            "args": {k: str(v) for k, v in vars(args).items()},
            "duplicates": dup.params(),
            "labels": {**LABEL, "copy": COPY, "borderline": BORDER},
        },
        "git": git,
        "machine": machine(),
        "versions": package_versions((*PACKAGES, "datasketch")),
        "results": {},
    }
    t_all = time.perf_counter()
    if args.corpus:
        report["results"]["pairwise"] = {c: evaluate_corpus(c, args.data, log) for c in args.corpus}
    if not args.skip_ans:
        report["results"]["ans"] = evaluate_ans(args.data)
        log("ANS done")
    if args.ingest_docs:
        report["results"]["ingest"] = ingest_cost(
            args.data, args.ingest_docs, args.ingest_rounds, args.workdir, log
        )
    if not args.skip_index:
        report["results"]["index"] = index_speed(args.data, args.workdir, args.lookups, log)
    report["seconds"] = time.perf_counter() - t_all
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["git"]["src_changed_during_run"] = git_info()["src_sha256"] != git["src_sha256"]
    stamp = report["started"].replace("-", "").replace(":", "")
    out = args.out / f"duplicates-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), "utf-8")
    md = markdown(report)
    out.with_suffix(".md").write_text(md + "\n", "utf-8")
    print(md)
    print(f"\nwrote {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
