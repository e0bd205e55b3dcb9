"""Web load: the HTTP API under concurrent clients on loopback while new articles are ingested.

Serves a copy of an index with ``newsearch serve`` (``--workers`` processes, uvicorn) on
127.0.0.1, then, for each concurrency level, runs that many closed-loop clients for
``--duration`` seconds: each sends a request, waits for the answer, sends the next. The mix:

``search``   55%  a real query: an ANT known-item title cut to its first 1-5 words
``facets``   15%  the same with ``facets=true``, half of them filtered by one source
``related``  15%  ``/articles/{id}/related`` of a random article (``/articles/{id}`` while the
                  route answers 501, i.e. before related news exists; the report says so)
``article``  10%  ``/articles/{id}``
``suggest``   5%  ``/suggest`` of a query

Meanwhile one writer POSTs a batch of new articles (copies of corpus articles with new ids and
a unique marker word) ``--ingest-every`` seconds after its previous POST was answered, and a
prober measures, for each batch,
the time from the POST's answer (the commit) until a search for the marker finds it
(``visible_any``), and until every worker serves the new commit (``visible_all``: each worker's
``/health`` generation, read over fresh connections so that every worker is asked).

The client is one asyncio process with httpx2 (the maintained successor of httpx, the client
Starlette's own tests use): a closed loop per client measures each request's latency from
just before sending to the last byte, with no coordinated-omission tricks needed at a fixed
client count, and lets the writer and the prober run in the same event loop and clock. Its CPU
time is reported next to the server's so that client overhead is visible (the machine has 2
cores, shared by server and client).

Writes ``results/web_load-TIME.json`` (config, git commit, machine, versions, every figure)
and ``.md``.

    python benchmarks/web_load.py --index .bench-cache/web-ant-30k --data ../shared/datasets
        [--clients 8 32 128] [--duration 60] [--workers 2]

A sharded index (a directory with ``cluster.json``) is served the same way, its shards
searched by Ray actors of a local Ray that ``serve`` starts (``--workers 1``; more workers
share a Ray cluster named by ``RAY_ADDRESS``).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import git_info, machine, package_versions  # benchmarks/ is on sys.path

MIX = (("search", 55), ("facets", 15), ("related", 15), ("article", 10), ("suggest", 5))
SOURCES = ("skynews", "alarabia", "BBC", "CNN", "france24")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def summary(xs: list[float]) -> dict[str, float]:
    return {
        "n": len(xs),
        "p50": pct(xs, 50),
        "p95": pct(xs, 95),
        "p99": pct(xs, 99),
        "mean": statistics.fmean(xs) if xs else float("nan"),
        "max": max(xs) if xs else float("nan"),
    }


def queries(data: Path, seed: int) -> list[str]:
    rng = random.Random(seed)
    path = data / "ant-multisource/sample/known_item_title_queries.tsv"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        title = line.split("\t", 1)[-1]
        words = [w for w in title.replace('"', " ").split() if w.strip("؟?.,:«»")]
        if words:
            out.append(" ".join(words[: rng.randint(1, 5)]))
    return out


def corpus(data: Path) -> list[dict[str, Any]]:
    docs = []
    for p in sorted((data / "ant-multisource/data").glob("*.jsonl.gz")):
        with gzip.open(p, "rt", encoding="utf-8") as f:
            docs.extend(json.loads(line) for line in f if line.strip())
    return docs


def marker(n: int) -> str:
    """A word no article contains: 'wlm' and n in base-26 letters."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = chr(ord("a") + r) + letters
        if n == 0:
            return f"wlm{letters}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return total


def latest_generation(index: Path) -> int:
    """The newest commit of an index directory (Whoosh's table of contents ``_MAIN_<n>.toc``)."""
    gens = [re.search(r"_(\d+)\.toc$", p.name) for p in index.glob("_MAIN_*.toc")]
    return max((int(m.group(1)) for m in gens if m), default=-1)


class Load:
    def __init__(self, args: argparse.Namespace, base: str, index: Path, token: str) -> None:
        import httpx2

        self.httpx = httpx2
        self.args = args
        self.base = base
        self.index = index
        self.auth = {"Authorization": f"Bearer {token}"}
        self.rng = random.Random(args.seed)
        self.queries = queries(args.data, args.seed)
        docs = corpus(args.data)
        self.ids = [d["id"] for d in self.rng.sample(docs, min(5000, len(docs)))]
        self.templates = self.rng.sample(docs, min(20_000, len(docs)))
        self.kinds = [k for k, w in MIX for _ in range(w)]
        self.related_available = True
        self.batches = 0

    def request(self) -> tuple[str, str, dict[str, Any]]:
        kind = self.rng.choice(self.kinds)
        q = self.rng.choice(self.queries)
        if kind == "search":
            return kind, "/search", {"q": q}
        if kind == "facets":
            params: dict[str, Any] = {"q": q, "facets": "true"}
            if self.rng.random() < 0.5:
                params["source"] = self.rng.choice(SOURCES)
            return kind, "/search", params
        if kind == "suggest":
            return kind, "/suggest", {"q": q}
        article = self.rng.choice(self.ids)
        if kind == "related" and self.related_available:
            return kind, f"/articles/{article}/related", {}
        return "article", f"/articles/{article}", {}

    async def client(
        self, http: Any, stop: float, out: dict[str, list[float]], errors: Counter[str]
    ) -> None:
        while time.perf_counter() < stop:
            kind, path, params = self.request()
            t0 = time.perf_counter()
            try:
                r = await http.get(path, params=params)
            except self.httpx.HTTPError as e:
                errors[f"{kind}: {type(e).__name__}"] += 1
                continue
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code >= 400:
                errors[f"{kind}: HTTP {r.status_code}"] += 1
            else:
                out[kind].append(ms)

    async def writer(
        self, http: Any, stop: float, level: int, batches: list[dict[str, Any]]
    ) -> None:
        probes: list[asyncio.Task[None]] = []
        while time.perf_counter() + self.args.ingest_every < stop:
            await asyncio.sleep(self.args.ingest_every)
            self.batches += 1
            word = marker(self.batches)
            docs = []
            for i in range(self.args.ingest_batch):
                t = self.templates[
                    (self.batches * self.args.ingest_batch + i) % len(self.templates)
                ]
                docs.append({
                    **{k: t[k] for k in ("title", "body", "source", "category", "url") if t.get(k)},
                    "id": f"web-load-{word}-{i}",
                    "title": f"{t.get('title', '')} {word}",
                    "published": datetime.now(UTC).isoformat(),
                })  # fmt: skip
            body = b"\n".join(json.dumps(d, ensure_ascii=False).encode() for d in docs)
            headers = {**self.auth, "Content-Type": "application/x-ndjson"}
            t0 = time.perf_counter()
            try:
                r = await http.post("/articles", content=body, headers=headers)
                ok = r.status_code == 200 and r.json()["added"] == len(docs)
                error = None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
            except self.httpx.HTTPError as e:
                error = type(e).__name__
            committed = time.perf_counter()
            batch: dict[str, Any] = {
                "level": level,
                "marker": word,
                "articles": len(docs),
                "post_ms": (committed - t0) * 1000,
                "error": error,
                "generation": latest_generation(self.index),
            }
            batches.append(batch)
            if error is None:
                probes.append(asyncio.create_task(self.probe(word, committed, batch)))
        await asyncio.gather(*probes)

    async def probe(self, word: str, committed: float, batch: dict[str, Any]) -> None:
        """Fresh connections, so that every worker gets asked."""
        limits = self.httpx.Limits(max_keepalive_connections=0)
        async with self.httpx.AsyncClient(base_url=self.base, timeout=30, limits=limits) as http:
            deadline = committed + 30
            while "visible_any_s" not in batch and time.perf_counter() < deadline:
                r = await http.get("/search", params={"q": word, "size": 1})
                if r.json()["total"] >= 1:
                    batch["visible_any_s"] = time.perf_counter() - committed
                else:
                    await asyncio.sleep(0.02)
            served: dict[int, int] = {}
            while time.perf_counter() < deadline:
                h = (await http.get("/health")).json()
                served[h["worker"]] = h["generation"]
                if len(served) >= self.args.workers and min(served.values()) >= batch["generation"]:
                    batch["visible_all_s"] = time.perf_counter() - committed
                    break
                await asyncio.sleep(0.02)

    async def level(self, clients: int, duration: float, ingest: bool) -> dict[str, Any]:
        out: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        batches: list[dict[str, Any]] = []
        limits = self.httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with self.httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as http:
            server_cpu0, client_cpu0 = cpu_seconds(self.server_pid), time.process_time()
            t0 = time.perf_counter()
            stop = t0 + duration
            tasks = [self.client(http, stop, out, errors) for _ in range(clients)]
            if ingest:
                tasks.append(self.writer(http, stop, clients, batches))
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - t0
            server_cpu = cpu_seconds(self.server_pid) - server_cpu0
            client_cpu = time.process_time() - client_cpu0
        every = [x for xs in out.values() for x in xs]
        any_s = [b["visible_any_s"] for b in batches if "visible_any_s" in b]
        all_s = [b["visible_all_s"] for b in batches if "visible_all_s" in b]
        return {
            "clients": clients,
            "seconds": wall,
            "requests": len(every),
            "throughput_rps": len(every) / wall,
            "latency_ms": summary(every),
            "latency_ms_by_kind": {k: summary(v) for k, v in sorted(out.items())},
            "errors": sum(errors.values()),
            "errors_by_kind": dict(errors),
            "server_cpu_s": server_cpu,
            "client_cpu_s": client_cpu,
            "ingest": {
                "batches": len(batches),
                "articles": sum(b["articles"] for b in batches if b["error"] is None),
                "errors": [b["error"] for b in batches if b["error"]],
                "post_ms": summary([b["post_ms"] for b in batches]),
                "visible_any_s": summary(any_s),
                "visible_all_workers_s": summary(all_s),
                "never_visible_to_all": sum(
                    1 for b in batches if b["error"] is None and "visible_all_s" not in b
                ),
                "per_batch": batches,
            },
        }

    async def run(self, server_pid: int) -> list[dict[str, Any]]:
        self.server_pid = server_pid
        async with self.httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            known = [i for i in self.ids[:50] if (await http.get(f"/articles/{i}")).is_success]
            if len(known) < 50:
                raise SystemExit(f"only {len(known)} of 50 corpus ids are in the index")
            probe = await http.get(f"/articles/{known[0]}/related")
            self.related_available = probe.status_code != 501
        print(f"related news available: {self.related_available}", file=sys.stderr)
        if self.args.warmup:
            await self.level(8, self.args.warmup, ingest=False)
            print(f"warm-up done ({self.args.warmup:g} s)", file=sys.stderr)
        out = []
        for clients in self.args.clients:
            res = await self.level(clients, self.args.duration, ingest=True)
            lat = res["latency_ms"]
            print(
                f"{clients:4d} clients: {res['throughput_rps']:.1f} req/s, p50 {lat['p50']:.1f} "
                f"p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} ms, {res['errors']} errors, "
                f"visible (all workers) p50 {res['ingest']['visible_all_workers_s']['p50']:.2f} s",
                file=sys.stderr,
            )
            out.append(res)
        return out


def start_server(
    args: argparse.Namespace, index: Path, port: int, token: str
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "newsearch", "serve", str(index), "--port", str(port)]
    cmd += ["--workers", str(args.workers), "--log-level", "warning"]
    cmd += ["--refresh-interval", str(args.refresh_interval)]
    env = {**os.environ, "NEWSEARCH_INGEST_TOKEN": token}
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def wait_ready(
    base: str, workers: int, proc: subprocess.Popen[bytes], timeout: float = 300
) -> None:
    import httpx2

    seen: set[int] = set()
    t0 = time.perf_counter()
    with httpx2.Client(
        base_url=base, timeout=30, limits=httpx2.Limits(max_keepalive_connections=0)
    ) as http:
        while len(seen) < workers:
            if proc.poll() is not None:
                raise SystemExit("the server exited before it was ready")
            if time.perf_counter() - t0 > timeout:
                raise SystemExit(f"only {len(seen)} of {workers} workers ready after {timeout} s")
            try:
                seen.add(http.get("/health").json()["worker"])
            except httpx2.TransportError:
                time.sleep(0.2)
    print(f"{workers} workers ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def markdown(report: dict[str, Any]) -> str:
    c = report["config"]
    lines = [
        f"# Web load ({c['articles']:,} articles"
        + (" in a sharded index" if c.get("sharded") else "")
        + f", {c['workers']} uvicorn workers, "
        f"{c['duration_s']:g} s per level, loopback)\n",
        f"Mix: {', '.join(f'{k} {w}%' for k, w in MIX)}"
        + ("" if report["related_available"] else " (related: /articles/{id}, route not available)")
        + f"; a POST of {c['ingest_batch']} new articles {c['ingest_every_s']:g} s after the "
        "previous one was answered.\n",
        "| clients | req/s | p50 ms | p95 ms | p99 ms | errors | ingested | POST p50 ms "
        "| visible any p50 / max s | visible all workers p50 / max s "
        "| server CPU s | client CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["levels"]:
        lat, ing = r["latency_ms"], r["ingest"]
        va, vall = ing["visible_any_s"], ing["visible_all_workers_s"]
        lines.append(
            f"| {r['clients']} | {r['throughput_rps']:.1f} | {lat['p50']:.1f} | {lat['p95']:.1f} | "
            f"{lat['p99']:.1f} | {r['errors']} | {ing['articles']} | {ing['post_ms']['p50']:.0f} | "
            f"{va['p50']:.2f} / {va['max']:.2f} | {vall['p50']:.2f} / {vall['max']:.2f} | "
            f"{r['server_cpu_s']:.0f} | {r['client_cpu_s']:.0f} |"
        )
    lines += ["", "Per request kind (p50 / p95 / p99 ms):", ""]
    kinds = sorted({k for r in report["levels"] for k in r["latency_ms_by_kind"]})
    lines.append("| clients | " + " | ".join(kinds) + " |")
    lines.append("|---:|" + "---|" * len(kinds))
    for r in report["levels"]:
        cells = []
        for k in kinds:
            s = r["latency_ms_by_kind"].get(k)
            cells.append(f"{s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f}" if s else "-")
        lines.append(f"| {r['clients']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="index to serve (copied first)")
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32, 128])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    ap.add_argument("--warmup", type=float, default=10.0, help="untimed seconds at 8 clients")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--refresh-interval", type=float, default=0.5)
    ap.add_argument(
        "--ingest-every",
        type=float,
        default=2.0,
        help="seconds from one POST's answer to the next POST",
    )
    ap.add_argument("--ingest-batch", type=int, default=20, help="articles per POST")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=Path(".bench-cache/web-load"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()

    git = git_info()
    machine_start = machine()  # the load average before the run: the machine is shared
    scratch = args.workdir / "index"
    if scratch.exists():
        shutil.rmtree(scratch)
    args.workdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(args.index, scratch)  # the base index stays as it was
    from newsearch.cluster import ShardedIndex, is_sharded
    from newsearch.index import NewsIndex

    sharded = is_sharded(scratch)  # served by fan-out to its shards' actors (docs/scale-out.md)
    if sharded:
        six = ShardedIndex.open(scratch)
        articles = sum(len(NewsIndex.open(six.shard_path(i))) for i in range(six.shards))
    else:
        articles = len(NewsIndex.open(scratch))
    token = secrets.token_urlsafe(24)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args, scratch, port, token)
    try:
        wait_ready(base, args.workers, proc)
        load = Load(args, base, scratch, token)
        started = datetime.now(UTC).isoformat()
        levels = asyncio.run(load.run(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    report: dict[str, Any] = {
        "benchmark": "web_load",
        "started": started,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "config": {
            "index": str(args.index),
            "sharded": sharded,
            "articles": articles,
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "workers": args.workers,
            "refresh_interval_s": args.refresh_interval,
            "ingest_every_s": args.ingest_every,
            "ingest_batch": args.ingest_batch,
            "mix": dict(MIX),
            "queries": "ANT known-item titles cut to 1-5 words",
            "seed": args.seed,
            "client": "asyncio + httpx2, closed loop, one keep-alive connection per client",
        },
        "related_available": load.related_available,
        "git": git,
        "machine": machine_start,
        "versions": package_versions((*PACKAGES_WEB,)),
        "levels": levels,
    }
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["git"]["src_changed_during_run"] = git_info()["src_sha256"] != git["src_sha256"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"web_load-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    md = markdown(report)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {out}", file=sys.stderr)
    return 0


PACKAGES_WEB = (
    "newsearch", "whoosh-reloaded", "numpy", "orjson", "PyStemmer", "fastapi", "starlette",
    "uvicorn", "uvloop", "httptools", "httpx2",
)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
