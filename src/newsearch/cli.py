"""The ``newsearch`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ingest import IngestReport

__all__ = ["main"]


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze, get_analyzer
    from .normalize import normalize

    text = args.text if args.text is not None else sys.stdin.read()
    get_analyzer(args.analyzer)
    print("normalized:", normalize(text))
    for t in analyze(text, args.analyzer):
        print(f"{t.position:4d} {t.start:5d}-{t.end:<5d} {t.source}\t-> {t.text}")
    return 0


def _print_report(report: IngestReport, limit: int = 20) -> None:
    print(report.summary(), file=sys.stderr)
    for r in report.rejections[:limit]:
        print(f"  rejected {r}", file=sys.stderr)
    if len(report.rejections) > limit:
        print(f"  ... and {len(report.rejections) - limit} more rejections", file=sys.stderr)
    for r in report.truncated[:limit]:
        print(f"  note {r}", file=sys.stderr)


def _cmd_index(args: argparse.Namespace) -> int:
    from .errors import IngestAborted
    from .index import MANIFEST, NewsIndex
    from .ingest import check_files
    from .schema import DEFAULT_EXACT_FIELDS

    path = Path(args.index_dir)
    if args.shards is not None or (path / "cluster.json").exists():
        from .cluster.cli import index_command

        return index_command(args, _print_report)
    check_files(args.files)  # a missing or unreadable file fails before an index is made
    exact_fields = None
    if args.exact_fields is not None:
        exact_fields = tuple(f.strip() for f in args.exact_fields.split(",") if f.strip())
    if (path / MANIFEST).exists() and not args.overwrite:
        ix = NewsIndex.open(path, lock_timeout=args.lock_timeout)
        # An option the user gave that the index was not built with is refused, not ignored.
        built, wrong = ix.manifest, []
        if args.analyzer is not None and args.analyzer != built["analyzer"]["name"]:
            wrong.append(f"analyzer {built['analyzer']['name']!r}, not {args.analyzer!r}")
        if args.cleaner is not None and args.cleaner != built.get("cleaner", "none"):
            wrong.append(f"cleaner {built.get('cleaner', 'none')!r}, not {args.cleaner!r}")
        if exact_fields is not None and set(exact_fields) != set(ix.exact_fields):
            theirs, wanted = ",".join(ix.exact_fields), ",".join(exact_fields)
            wrong.append(f"exact fields {theirs!r}, not {wanted!r}")
        for what in wrong:
            print(
                f"newsearch: error: {path} was built with {what}; add --overwrite to rebuild",
                file=sys.stderr,
            )
        if wrong:
            return 2
    else:
        ix = NewsIndex.create(
            path,
            analyzer=args.analyzer or "light",
            cleaner=args.cleaner or "none",
            exact_fields=DEFAULT_EXACT_FIELDS if exact_fields is None else exact_fields,
            overwrite=args.overwrite,
            lock_timeout=args.lock_timeout,
        )
    try:
        report = ix.ingest(
            args.files,
            workers=args.workers,
            strict=args.strict,
            batch_size=args.batch_size,
            progress=None if not args.quiet else False,
        )
    except IngestAborted as e:
        _print_report(e.report)
        print(f"newsearch: error: {e}", file=sys.stderr)
        return 1
    _print_report(report)
    print(f"{path}: {len(ix)} articles")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    import orjson

    from .cluster.manifest import is_sharded
    from .index import NewsIndex

    if is_sharded(args.index_dir):
        from .cluster.cli import info_command

        return info_command(args)
    info = NewsIndex.open(args.index_dir).info()
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(info.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    span = (
        f"{info.first_published:%Y-%m-%d} .. {info.last_published:%Y-%m-%d}"
        if info.first_published and info.last_published
        else "none"
    )
    print(f"index:      {info.path}")
    print(f"articles:   {info.documents}")
    print(f"published:  {span}")
    print("sources:    " + ", ".join(f"{k} {v}" for k, v in info.sources.items()))
    print("categories: " + ", ".join(f"{k} {v}" for k, v in info.categories.items()))
    print(f"analyzer:   {info.analyzer['name']} {info.analyzer.get('params') or ''}".rstrip())
    print(f"cleaner:    {info.cleaner}")
    print(f"size:       {info.size_bytes / 1e6:.1f} MB in {info.segments} segment(s)")
    print(
        f"built by:   newsearch {info.manifest.get('library_version')}, "
        f"schema {info.manifest.get('schema_version')}, "
        f"analysis {info.manifest.get('analysis_version')}"
    )
    return 0


DEMO_QUERIES = ("الانتخابات الرئاسية", "كوريا الشمالية", "أسعار النفط")


def _cmd_demo(args: argparse.Namespace) -> int:
    """Index the bundled sample of real articles, search it, and show the analysis of the
    scraped seed article."""
    import tempfile
    import time

    from .analysis import analyze
    from .index import NewsIndex

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(args.index) if args.index else Path(tmp) / "index"
        ix = NewsIndex.create(index_dir, overwrite=True)
        report = ix.ingest(args.sample, progress=False, workers=args.workers)
        took = time.perf_counter() - t0
        print(f"# Indexed {len(ix)} articles from {args.sample} in {took:.1f} s")
        print(f"  ({report.summary()})\n")
        with ix.searcher() as s:
            for q in args.query or DEMO_QUERIES:
                results = s.search(q, limit=3, snippet_chars=140)
                print(f"## {q}  ({results.total} matching articles, {results.took_ms:.0f} ms)")
                for h in results:
                    when = f"{h.published:%Y-%m-%d}" if h.published else "?"
                    print(f"  {h.score:6.2f}  {when}  {h.source or '-':<9} {h.title}")
                    if h.snippets:
                        print(f"          {h.snippets[0]}")
                print()
    seed = Path(args.seed)
    if seed.exists():
        line = next(p for p in seed.read_text(encoding="utf-8").split("\n") if p.strip())
        print(f"# Analysis of the scraped seed article's headline ({seed})")
        print(f"  original: {line}")
        print("  terms:    " + " ".join(t.text for t in analyze(line)))
    return 0


def _cmd_analyzers(args: argparse.Namespace) -> int:
    from .analysis import analyzer_names

    for name, desc in analyzer_names().items():
        print(f"{name:<16} {desc}")
    return 0


def _cmd_related(args: argparse.Namespace) -> int:
    import orjson

    from .cli_options import from_args
    from .cluster.cli import open_searcher
    from .request import RankingOptions, RelatedRequest

    request = from_args(args, RelatedRequest)
    options = from_args(args, RankingOptions)
    with open_searcher(args.index_dir, options) as s:  # one index, or a sharded one
        results = s.related(request)
        title = s.get(str(request.article))
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(results.to_dict(), option=orjson.OPT_INDENT_2))
        sys.stdout.write("\n")
        return 0
    print(f"related to {request.article}: {title.get('title', '') if title else ''}")

    def copies(prefix: str, items: list[Any]) -> None:
        if items:
            names = ", ".join(f"{c.source or '-'} ({c.id})" for c in items)
            print(f"{prefix}also published by: {names}")

    copies("", results.also_published_by)
    print(f"{len(results)} related ({results.took_ms:.1f} ms)")
    for h in results:
        date = h.published.date().isoformat() if h.published else "-"
        print(f"{h.rank:3d}. [{h.source or '-'} {date}] {h.title}  ({h.id}, {h.score:.2f})")
        copies("     ", h.also_published_by)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    import orjson

    from .cli_options import from_args
    from .cluster.cli import open_searcher
    from .request import RankingOptions, SearchRequest

    request = from_args(args, SearchRequest)
    options = from_args(args, RankingOptions)
    with open_searcher(args.index_dir, options) as s:  # one index, or a sharded one
        results = s.run(request)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(results.to_dict(), option=orjson.OPT_INDENT_2))
        sys.stdout.write("\n")
        return 0
    for p in results.problems:
        print(f"note: {p.message}", file=sys.stderr)
    print(
        f"{results.total} results ({results.took_ms:.1f} ms), page {results.page}/{results.pages}"
    )
    if results.suggestion:
        print(f"did you mean: {results.suggestion}")
    for h in results:
        date = h.published.date().isoformat() if h.published else "-"
        print(f"{h.rank:3d}. [{h.source or '-'} {date}] {h.title}  ({h.id}, {h.score:.2f})")
        for snip in h.snippets:
            print(f"     {snip}")
    for name, counts in results.facets.items():
        if counts:
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """Run the web app with uvicorn. Each worker process builds its app from environment
    variables (``newsearch.web:app_from_env``), which is what uvicorn needs for ``--workers``."""
    import os

    try:
        import uvicorn

        import newsearch.web  # noqa: F401  (fails here, clearly, without the [web] extra)
    except ImportError as e:
        print(f"newsearch: error: {e}; pip install 'newsearch[web]'", file=sys.stderr)
        return 2
    from .index import NewsIndex

    path = Path(args.index_dir).resolve()
    NewsIndex.open(path)  # a missing or incompatible index fails now, not in every worker
    if args.workers < 1:
        print("newsearch: error: --workers must be at least 1", file=sys.stderr)
        return 2
    os.environ["NEWSEARCH_INDEX"] = str(path)
    os.environ["NEWSEARCH_CORS_ORIGINS"] = ",".join(args.cors_origin or ())
    os.environ["NEWSEARCH_REFRESH_INTERVAL"] = str(args.refresh_interval)
    writes = "enabled" if os.environ.get("NEWSEARCH_INGEST_TOKEN") else "disabled"
    print(
        f"newsearch: serving {path} on http://{args.host}:{args.port}/ "
        f"({args.workers} worker(s), writes {writes})",
        file=sys.stderr,
    )
    uvicorn.run(
        "newsearch.web:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        server_header=False,
    )
    return 0


def _cmd_duplicates(args: argparse.Namespace) -> int:
    import time

    import orjson

    from .index import NewsIndex

    ix = NewsIndex.open(args.index_dir)
    t0 = time.perf_counter()
    with ix.searcher() as s:
        if args.article_id is not None:
            copies = s.duplicates(args.article_id, min_similarity=args.min_similarity)
            if args.json:
                out = {"id": args.article_id, "copies": [c.to_dict() for c in copies]}
                sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
                return 0
            print(f"{len(copies)} cop{'y' if len(copies) == 1 else 'ies'} of {args.article_id}")
            for c in copies:
                date = c.published.date().isoformat() if c.published else "-"
                kind = "exact" if c.exact else f"{c.similarity:.2f}"
                print(f"  {kind:>5}  [{c.source or '-'} {date}] {c.title}  ({c.id})")
            return 0
        groups = s.duplicate_groups(min_similarity=args.min_similarity)
    took = time.perf_counter() - t0
    articles = sum(len(g) for g in groups)
    if args.json:
        out = {
            "groups": len(groups),
            "articles": articles,
            "seconds": round(took, 3),
            "duplicate_groups": [g.to_dict() for g in groups],
        }
        sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    print(f"{len(groups)} groups of copies, {articles} articles ({took:.1f} s)")
    for g in groups:
        rep = g.representative
        date = rep.published.date().isoformat() if rep.published else "-"
        print(f"\n{len(g)} copies, first [{rep.source or '-'} {date}] {rep.title}")
        for c in g.members:
            kind = "exact" if c.exact else f"{c.similarity:.2f}"
            print(f"  {kind:>5}  {c.source or '-':<12} {c.id}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    try:
        from .evaluate.config import load_config, run_config, update_docs
        from .evaluate.experiment import stderr_log
    except ImportError as e:  # pragma: no cover - depends on the environment
        print(
            f"newsearch bench needs the [bench] extra ({e.name} is missing): "
            "pip install 'newsearch[bench]'",
            file=sys.stderr,
        )
        return 2
    if args.report:
        from .evaluate.config import report

        done = report(args.report, out_dir=args.out, log=None if args.quiet else stderr_log)
        for result, _paths in done:
            print(f"\n## {result.task['name']}\n")
            print(result.to_markdown())
        if args.docs:
            update_docs(args.docs, done)
        return 0
    config = load_config(args.config)
    done = run_config(
        config,
        data_dir=args.data,
        out_dir=args.out,
        workdir=args.workdir,
        only_tasks=args.task or (),
        only_setups=args.setup or (),
        max_queries=args.max_queries,
        sample=args.sample,
        log=None if args.quiet else stderr_log,
    )
    for result, _paths in done:
        print(f"\n## {result.task['name']}\n")
        print(result.to_markdown())
        if args.runs:
            result.write_runs(args.runs)
    if args.docs:
        update_docs(args.docs, done)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .cli_options import add_options
    from .request import RELATED_RANKING, RankingOptions, RelatedRequest, SearchRequest, options

    p = argparse.ArgumentParser(prog="newsearch", description="Search Arabic news.")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="show the index terms of a text (or of standard input)")
    a.add_argument("text", nargs="?", help="text to analyze (default: read standard input)")
    a.add_argument("--analyzer", default="light", help="registered analyzer name")
    a.set_defaults(func=_cmd_analyze)

    d = sub.add_parser("demo", help="index the bundled sample of real articles and search it")
    d.add_argument("--sample", default="examples/ant_sample.jsonl.gz")
    d.add_argument("--seed", default="tests/data/seed/scraped_article_ar.txt")
    d.add_argument("--index", help="keep the demo index in this directory")
    d.add_argument("--workers", type=int, default=None)
    d.add_argument("query", nargs="*", help="queries to run (default: a few examples)")
    d.set_defaults(func=_cmd_demo)

    i = sub.add_parser("index", help="create or update an index from JSON Lines files")
    i.add_argument("index_dir")
    i.add_argument("files", nargs="+", help=".jsonl or .jsonl.gz files; - for standard input")
    i.add_argument("--analyzer", default=None, help="registered analyzer (new index: light)")
    i.add_argument(
        "--cleaner", default=None, help="boilerplate cleaner: none or scraped (new index: none)"
    )
    i.add_argument(
        "--exact-fields",
        default=None,
        help="fields with an unstemmed twin: title or title,body (new index: title)",
    )
    i.add_argument(
        "--workers",
        type=int,
        default=None,
        help="indexing processes (default: 2 on 2+ cores for batches of 1,000+ records)",
    )
    i.add_argument("--batch-size", type=int, default=5000, help="records per commit")
    i.add_argument("--strict", action="store_true", help="stop at the first bad record")
    i.add_argument("--overwrite", action="store_true", help="replace an existing index")
    i.add_argument("--lock-timeout", type=float, default=10.0, help="seconds to wait for a lock")
    i.add_argument("--quiet", action="store_true", help="no progress bars")
    i.add_argument(
        "--shards", type=int, default=None, help="a sharded index of N shards, built on Ray"
    )
    i.add_argument(
        "--address", default=None, help="Ray cluster to join (default: a local Ray on loopback)"
    )
    i.set_defaults(func=_cmd_index)

    f = sub.add_parser("info", help="what an index holds and how it was built")
    f.add_argument("index_dir")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=_cmd_info)

    n = sub.add_parser("analyzers", help="list the registered analyzers")
    n.set_defaults(func=_cmd_analyzers)

    q = sub.add_parser("search", help="search an index")
    q.add_argument("index_dir")
    add_options(q, SearchRequest)
    add_options(q, RankingOptions, title="ranking")
    q.add_argument("--json", action="store_true", help="the results as JSON")
    q.set_defaults(func=_cmd_search)

    r = sub.add_parser("related", help="related news for an article of an index")
    r.add_argument("index_dir")
    add_options(r, RelatedRequest)
    search_only = [o.name for o in options(RankingOptions) if o.name not in RELATED_RANKING]
    add_options(r, RankingOptions, skip=search_only, title="ranking")
    r.add_argument("--json", action="store_true", help="the results as JSON")
    r.set_defaults(func=_cmd_related)

    w = sub.add_parser(
        "serve",
        help="serve an index over HTTP: the JSON API and the search page (needs [web])",
        description="Writes (POST/DELETE /articles) need the token in the environment "
        "variable NEWSEARCH_INGEST_TOKEN; without it they are disabled.",
    )
    w.add_argument("index_dir")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on")
    w.add_argument("--port", type=int, default=8000)
    w.add_argument("--workers", type=int, default=1, help="worker processes")
    w.add_argument(
        "--cors-origin", action="append", help="allow browser calls from this origin (repeatable)"
    )
    w.add_argument(
        "--refresh-interval",
        type=float,
        default=0.5,
        help="seconds between checks for newer commits (by any process)",
    )
    w.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info"])
    w.set_defaults(func=_cmd_serve)

    u = sub.add_parser("duplicates", help="copies of an article, or every group of copies")
    u.add_argument("index_dir")
    u.add_argument("article_id", nargs="?", help="list this article's copies (default: all groups)")
    u.add_argument(
        "--min-similarity", type=float, default=None, help="estimated Jaccard (default 0.8)"
    )
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=_cmd_duplicates)

    b = sub.add_parser("bench", help="run a ranking benchmark described in a TOML file")
    b.add_argument("config", help="run file, e.g. benchmarks/dev.toml")
    b.add_argument("--data", default="../shared/datasets", help="datasets directory")
    b.add_argument("--out", default="benchmarks/results", help="where results are written")
    b.add_argument(
        "--workdir",
        default=".bench-cache",
        help="builds kept here and reused while the corpus and analysis code are unchanged",
    )
    b.add_argument("--task", action="append", help="run only this task (repeatable)")
    b.add_argument("--setup", action="append", help="run only setups matching this regex")
    b.add_argument("--max-queries", type=int, default=None, help="first N queries (smoke run)")
    b.add_argument(
        "--sample", type=int, default=None, help="a fixed random sample of N queries per task"
    )
    b.add_argument("--docs", help="also update this Markdown file (e.g. docs/benchmarks.md)")
    b.add_argument(
        "--report",
        nargs="+",
        metavar="JSON",
        help="run nothing: merge these result files per task (e.g. slow peers run in a second "
        "process) and write the tables, plots and --docs from them",
    )
    b.add_argument("--runs", metavar="DIR", help="also write each setup's TREC run file here")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=_cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import NewsearchError, OptionError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except OptionError as e:  # name the flag the user typed, not the field
        from .request import surface_names

        print(
            f"newsearch: error: {surface_names('cli').get(e.option, e.option)}: {e.reason}",
            file=sys.stderr,
        )
        return 2
    except NewsearchError as e:
        print(f"newsearch: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        return 0
    except OSError as e:
        print(f"newsearch: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
