"""The ``newsearch`` command line's parser: every command, its flags and its ``--help``
examples. The commands themselves are in :mod:`newsearch.cli`; the search and related flags are
derived from the request objects (:mod:`newsearch.cli_options`). The CLI reference of the docs
site and the shell completion scripts are generated from this parser."""

from __future__ import annotations

import argparse

from . import __version__

__all__ = ["EXAMPLES", "build_parser"]

#: Each command's ``--help`` examples (shown under "examples:"; the docs' CLI reference too).
EXAMPLES: dict[str, str] = {
    "analyze": """\
  newsearch analyze "والحكومة الفلسطينية"
  echo "أكدت الحكومةُ" | newsearch analyze --analyzer lucene
  newsearch analyze "بيانها" --json""",
    "demo": """\
  newsearch demo                              # the 268 bundled articles, three queries
  newsearch demo "أسعار النفط" "كأس العالم"    # your queries
  newsearch demo --sample my-articles.jsonl   # any JSON Lines file
  newsearch demo --index demo-index           # keep the index to try `search` on it""",
    "index": """\
  newsearch index news-index articles.jsonl more.jsonl.gz
  zcat dump.jsonl.gz | newsearch index news-index - --cleaner scraped
  newsearch index news-index articles.jsonl --analyzer lucene --overwrite""",
    "info": """\
  newsearch info news-index
  newsearch info news-index --json""",
    "optimize": """\
  newsearch optimize news-index             # one segment, off-peak (writers wait for it)""",
    "analyzers": """\
  newsearch analyzers
  newsearch analyzers --json""",
    "search": """\
  newsearch search news-index "كوريا الشمالية -ترامب"
  newsearch search news-index "النفط" --source BBC --from 2018-05-01 --sort newest
  newsearch search news-index "الانتخابات" --facets --limit 5 --page 2
  newsearch search news-index '"البيت الأبيض"' --json | jq '.hits[].id'""",
    "related": """\
  newsearch related news-index FR-internationalNews-1148-20180509
  newsearch related news-index AL-internationalNews-1284-20180522 --k 3 --days 3 --json""",
    "duplicates": """\
  newsearch duplicates news-index                                   # every group of copies
  newsearch duplicates news-index AL-internationalNews-1284-20180522
  newsearch duplicates news-index --min-similarity 0.9 --json""",
    "serve": """\
  newsearch serve news-index                       # http://127.0.0.1:8000/
  NEWSEARCH_INGEST_TOKEN=change-me newsearch serve news-index --workers 2 --port 8080""",
    "bench": """\
  newsearch bench benchmarks/dev.toml --data ../shared/datasets
  newsearch bench benchmarks/dev.toml --task arcd --setup '^light' --max-queries 50""",
    "completion": """\
  newsearch completion bash > ~/.local/share/bash-completion/completions/newsearch
  eval "$(newsearch completion bash)"          # this shell only
  newsearch completion zsh > ~/.zfunc/_newsearch  # a directory of your $fpath""",
}


_COLOR = ("auto", "always", "never")
_COLOR_HELP = "highlights in colour: auto (on a terminal, unless NO_COLOR is set), always, never"
_PRINTS_TEXT = {"analyze", "demo", "search", "related", "duplicates"}


def _sub(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_text,
        description=description or help_text[:1].upper() + help_text[1:] + ".",
        epilog="examples:\n" + EXAMPLES[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(command=name)
    if name in _PRINTS_TEXT:  # also after the command; the top-level value stands otherwise
        parser.add_argument("--color", choices=_COLOR, default=argparse.SUPPRESS, help=_COLOR_HELP)
    return parser


def _json(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    parser.add_argument("--json", action="store_true", help=f"{what} as JSON (for scripts)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``newsearch`` command."""
    from .cli_options import add_options
    from .request import RELATED_RANKING, RankingOptions, RelatedRequest, SearchRequest, options

    p = argparse.ArgumentParser(
        prog="newsearch",
        description="Search Arabic news: index JSON Lines articles, search them, find related "
        "news and copies, serve them over HTTP.",
        epilog="Start with `newsearch demo`; `newsearch COMMAND --help` shows each command's "
        "options and examples.",
    )
    p.add_argument("--version", action="version", version=f"newsearch {__version__}")
    p.add_argument("--color", choices=_COLOR, default="auto", help=_COLOR_HELP)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = _sub(sub, "analyze", "show the index terms of a text (or of standard input)")
    a.add_argument("text", nargs="?", help="text to analyze (default: read standard input)")
    a.add_argument("--analyzer", default="light", help="registered analyzer name")
    _json(a, "the terms")

    d = _sub(
        sub,
        "demo",
        "index a sample of real articles and search it",
        "Index a sample of real articles (by default the 268 ANT articles shipped inside the "
        "package; any JSON Lines file with --sample) in a temporary directory and search it.",
    )
    d.add_argument(
        "--sample",
        metavar="PATH",
        default=None,
        help="JSON Lines (.jsonl or .jsonl.gz) articles to index (default: the bundled sample)",
    )
    d.add_argument(
        "--seed", metavar="PATH", default=None, help="also show the analysis of this text file"
    )
    d.add_argument("--index", metavar="DIR", help="keep the demo index in this directory")
    d.add_argument(
        "--overwrite", action="store_true", help="replace what --index DIR holds (else refused)"
    )
    d.add_argument("--workers", type=int, default=None, help="indexing processes")
    d.add_argument("query", nargs="*", help="queries to run (default: a few examples)")

    i = _sub(sub, "index", "create or update an index from JSON Lines files")
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

    f = _sub(sub, "info", "what an index holds and how it was built")
    f.add_argument("index_dir")
    _json(f, "the description")

    o = _sub(
        sub,
        "optimize",
        "merge an index's segments into one",
        "Merge an index's segments into one: searches read one set of postings, and a new "
        "process opens one segment. It rewrites the whole index (minutes at 70k articles); "
        "searches go on meanwhile, writers wait for it.",
    )
    o.add_argument("index_dir")
    o.add_argument("--lock-timeout", type=float, default=10.0, help="seconds to wait for a lock")
    _json(o, "the outcome")

    n = _sub(sub, "analyzers", "list the registered analyzers")
    _json(n, "the names and descriptions")

    q = _sub(sub, "search", "search an index")
    q.add_argument("index_dir")
    add_options(q, SearchRequest)
    add_options(q, RankingOptions, title="ranking")
    _json(q)

    r = _sub(sub, "related", "related news for an article of an index")
    r.add_argument("index_dir")
    add_options(r, RelatedRequest)
    search_only = [o.name for o in options(RankingOptions) if o.name not in RELATED_RANKING]
    add_options(r, RankingOptions, skip=search_only, title="ranking")
    _json(r)

    w = _sub(
        sub,
        "serve",
        "serve an index over HTTP: the JSON API and the search page (needs [web])",
        "Serve an index over HTTP: the JSON API and the search page (needs the [web] extra). "
        "Writes (POST/DELETE /articles) need the token in the environment variable "
        "NEWSEARCH_INGEST_TOKEN; without it they are disabled.",
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

    u = _sub(sub, "duplicates", "copies of an article, or every group of copies")
    u.add_argument("index_dir")
    u.add_argument("article_id", nargs="?", help="list this article's copies (default: all groups)")
    u.add_argument(
        "--min-similarity", type=float, default=None, help="estimated Jaccard (default 0.8)"
    )
    _json(u, "the copies")

    b = _sub(sub, "bench", "run a ranking benchmark described in a TOML file (needs [bench])")
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

    c = _sub(sub, "completion", "print a shell completion script (bash or zsh)")
    c.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete for")
    return p
