"""The ``newsearch`` command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_parser import build_parser
from .terminal import Style, one_line  # the standard library only: cheap to import

if TYPE_CHECKING:
    from .ingest import IngestReport

__all__ = ["build_parser", "main"]


def _style(args: argparse.Namespace) -> Style:
    return Style.for_stream(sys.stdout, getattr(args, "color", "auto"))


def _print_json(data: Any) -> None:
    import orjson

    text = orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (a notebook, a StringIO)
        sys.stdout.write(text.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(text)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze, get_analyzer
    from .normalize import normalize

    text = args.text if args.text is not None else sys.stdin.read()
    get_analyzer(args.analyzer)
    tokens = list(analyze(text, args.analyzer))
    if args.json:
        terms = [
            {"position": t.position, "term": t.text, "source": t.source, "start": t.start,
             "end": t.end}
            for t in tokens
        ]  # fmt: skip
        _print_json({"analyzer": args.analyzer, "normalized": normalize(text), "terms": terms})
        return 0
    style = _style(args)
    print("normalized:")
    print("  " + style.text(normalize(text)))
    print("position  offsets      term | as written")
    for t in tokens:
        # Two Arabic fields on one line: each is isolated on a terminal, so they stay in
        # column order instead of being read as one right-to-left run.
        term, source = style.isolate(t.text), style.isolate(one_line(t.source))
        print(f"{t.position:8d}  {t.start:5d}-{t.end:<5d}  {term} | {source}")
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
    from .cluster.manifest import is_sharded
    from .index import NewsIndex

    if is_sharded(args.index_dir):
        from .cluster.cli import info_command

        return info_command(args)
    info = NewsIndex.open(args.index_dir).info()
    if args.json:
        _print_json(info.to_dict())
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


def _cmd_optimize(args: argparse.Namespace) -> int:
    from .cluster.manifest import is_sharded
    from .index import NewsIndex

    if is_sharded(args.index_dir):
        print(
            "newsearch: error: optimize a sharded index shard by shard (each shard's directory)",
            file=sys.stderr,
        )
        return 2
    ix = NewsIndex.open(args.index_dir, lock_timeout=args.lock_timeout)
    before = ix.info()
    t0 = time.perf_counter()
    ix.optimize()
    after = ix.info()
    out = {
        "index": str(args.index_dir),
        "segments_before": before.segments,
        "segments_after": after.segments,
        "mb_before": round(before.size_bytes / 1e6, 1),
        "mb_after": round(after.size_bytes / 1e6, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        _print_json(out)
    else:
        print(
            f"{args.index_dir}: {out['segments_before']} segment(s) -> {out['segments_after']}, "
            f"{out['mb_before']} MB -> {out['mb_after']} MB in {out['seconds']} s"
        )
    return 0


DEMO_QUERIES = ("الانتخابات الرئاسية", "كوريا الشمالية", "أسعار النفط")


def _print_hit(style: Style, h: Any, snippets: int | None = None) -> None:
    """One result: the Latin metadata on one line, the Arabic title and each snippet on lines
    of their own (so no line mixes the two directions)."""
    date = h.published.date().isoformat() if h.published else "-"
    print(f"{h.rank:3d}. {h.source or '-'} · {date} · {h.id} · score {h.score:.2f}")
    title = style.marked(h.title_html) if getattr(h, "title_html", "") else one_line(h.title)
    print("     " + style.rtl(title))
    for snip in h.snippets[:snippets]:
        print("     " + style.rtl(style.marked(snip)))


def _cmd_demo(args: argparse.Namespace) -> int:
    """Index a sample of real articles (the bundled one by default), search it, and show the
    analysis of a text file if one is given."""
    import tempfile
    import time

    from .analysis import analyze
    from .index import NewsIndex
    from .sample import sample_path

    style = _style(args)
    sample = Path(args.sample) if args.sample else sample_path()
    shown = args.sample or "the bundled sample (268 ANT articles)"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(args.index) if args.index else Path(tmp) / "index"
        if args.index and index_dir.exists() and any(index_dir.iterdir()) and not args.overwrite:
            print(
                f"newsearch: error: {index_dir} exists and is not empty; add --overwrite to "
                "replace it with the demo index",
                file=sys.stderr,
            )
            return 2
        ix = NewsIndex.create(index_dir, overwrite=True)
        report = ix.ingest(sample, progress=False, workers=args.workers)
        took = time.perf_counter() - t0
        print(f"# Indexed {len(ix)} articles from {shown} in {took:.1f} s")
        print(f"  ({report.summary()})\n")
        with ix.searcher() as s:
            for q in args.query or DEMO_QUERIES:
                results = s.search(q, limit=3, snippet_chars=140)
                print(f"## {style.isolate(q)}  ({results.total} matching articles, "
                      f"{results.took_ms:.0f} ms)")  # fmt: skip
                for h in results:
                    _print_hit(style, h, snippets=1)
                print()
    if args.seed:
        seed = Path(args.seed)
        line = next(p for p in seed.read_text(encoding="utf-8").split("\n") if p.strip())
        print(f"# Analysis of the first line of {seed}")
        print("  original:")
        print("    " + style.text(line))
        print("  terms:")
        print("    " + style.text(" ".join(t.text for t in analyze(line))))
    return 0


def _cmd_analyzers(args: argparse.Namespace) -> int:
    from .analysis import analyzer_names

    names = analyzer_names()
    if args.json:
        _print_json([{"name": k, "description": v} for k, v in names.items()])
        return 0
    for name, desc in names.items():
        print(f"{name:<16} {desc}")
    return 0


def _print_copies(style: Style, prefix: str, items: list[Any]) -> None:
    if items:
        names = ", ".join(f"{c.source or '-'} {c.id}" for c in items)
        print(f"{prefix}also published by: {names}")


def _cmd_related(args: argparse.Namespace) -> int:
    from .cli_options import from_args
    from .cluster.cli import open_searcher
    from .request import RankingOptions, RelatedRequest

    request = from_args(args, RelatedRequest)
    options = from_args(args, RankingOptions)
    with open_searcher(args.index_dir, options) as s:  # one index, or a sharded one
        results = s.related(request)
        found = s.get(str(request.article))  # stored fields, one index or sharded
    if args.json:
        _print_json(results.to_dict())
        return 0
    style = _style(args)
    print(f"related to {request.article}:")
    if found is not None:
        print("     " + style.text(found.get("title") or ""))
    _print_copies(style, "", results.also_published_by)
    print(f"{len(results)} related ({results.took_ms:.1f} ms)")
    for h in results:
        _print_hit(style, h, snippets=0)
        _print_copies(style, "     ", h.also_published_by)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from .cli_options import from_args
    from .cluster.cli import open_searcher
    from .request import RankingOptions, SearchRequest

    request = from_args(args, SearchRequest)
    options = from_args(args, RankingOptions)
    with open_searcher(args.index_dir, options) as s:  # one index, or a sharded one
        results = s.run(request)
    if args.json:
        _print_json(results.to_dict())
        return 0
    style = _style(args)
    for p in results.problems:
        print(f"note: {p.message}", file=sys.stderr)
    print(
        f"{results.total} results ({results.took_ms:.1f} ms), page {results.page}/{results.pages}"
    )
    if results.suggestion:
        print("did you mean:")
        print("     " + style.text(results.suggestion))
    for h in results:
        _print_hit(style, h)
    for name, counts in results.facets.items():
        if counts:
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """Run the web app with uvicorn. Each worker process builds its app from environment
    variables (``newsearch.web:app_from_env``), which is what uvicorn needs for ``--workers``."""
    import os

    from .extras import require

    require("web", "newsearch serve")  # a MissingExtraError names the install command
    import uvicorn

    from .cluster.manifest import is_sharded
    from .index import NewsIndex

    path = Path(args.index_dir).resolve()
    if args.workers < 1:
        print("newsearch: error: --workers must be at least 1", file=sys.stderr)
        return 2
    if is_sharded(path):  # checked now, not in every worker
        from .cluster import ShardedIndex

        ShardedIndex.open(path)
        if args.workers > 1 and not os.environ.get("RAY_ADDRESS"):
            print(
                "newsearch: error: several workers on a sharded index share one Ray cluster: "
                "start it (ray start --head --node-ip-address 127.0.0.1) and set RAY_ADDRESS",
                file=sys.stderr,
            )
            return 2
    else:
        NewsIndex.open(path)  # a missing or incompatible index fails now, not in every worker
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

    from .index import NewsIndex

    ix = NewsIndex.open(args.index_dir)
    t0 = time.perf_counter()
    with ix.searcher() as s:
        if args.article_id is not None:
            copies = s.duplicates(args.article_id, min_similarity=args.min_similarity)
            if args.json:
                _print_json({"id": args.article_id, "copies": [c.to_dict() for c in copies]})
                return 0
            style = _style(args)
            print(f"{len(copies)} cop{'y' if len(copies) == 1 else 'ies'} of {args.article_id}")
            for c in copies:
                date = c.published.date().isoformat() if c.published else "-"
                kind = "exact" if c.exact else f"{c.similarity:.2f}"
                print(f"  {kind:>5}  {c.source or '-'} · {date} · {c.id}")
                print("         " + style.text(c.title))
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
        _print_json(out)
        return 0
    style = _style(args)
    print(f"{len(groups)} groups of copies, {articles} articles ({took:.1f} s)")
    for g in groups:
        rep = g.representative
        date = rep.published.date().isoformat() if rep.published else "-"
        print(f"\n{len(g)} copies, first {rep.source or '-'} · {date} · {rep.id}")
        print("  " + style.text(rep.title))
        for c in g.members:
            kind = "exact" if c.exact else f"{c.similarity:.2f}"
            print(f"  {kind:>5}  {c.source or '-':<12} {c.id}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .extras import require

    require("bench", "newsearch bench")  # before reading data or building anything
    from .evaluate.config import load_config, run_config, update_docs
    from .evaluate.experiment import stderr_log

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


def _cmd_completion(args: argparse.Namespace) -> int:
    from .completion import script

    sys.stdout.write(script(args.shell, build_parser()))
    return 0


COMMANDS = {
    "analyze": _cmd_analyze,
    "analyzers": _cmd_analyzers,
    "bench": _cmd_bench,
    "completion": _cmd_completion,
    "demo": _cmd_demo,
    "duplicates": _cmd_duplicates,
    "index": _cmd_index,
    "info": _cmd_info,
    "optimize": _cmd_optimize,
    "related": _cmd_related,
    "search": _cmd_search,
    "serve": _cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``newsearch`` with ``argv`` (default: the process's arguments); the exit code:
    0 done, 1 a strict ingest stopped, 2 a usage or input error (the message names it)."""
    from .errors import NewsearchError, OptionError

    args = build_parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args))
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
