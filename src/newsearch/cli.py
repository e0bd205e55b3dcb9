"""The ``newsearch`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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


def _cmd_demo(args: argparse.Namespace) -> int:
    """Show what the analysis pipeline does to a real scraped article, paragraph by paragraph."""
    from .analysis import analyze
    from .normalize import normalize

    path = Path(args.file)
    text = path.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n") if p.strip()][: args.paragraphs]
    print(f"# Analysis of {path} (analyzer: {args.analyzer})\n")
    for i, para in enumerate(paragraphs, 1):
        tokens = analyze(para, args.analyzer)
        print(f"[{i}] original:   {para}")
        print(f"    normalized: {normalize(para)}")
        print("    tokens:     " + " ".join(normalize(t.source) for t in tokens))
        print("    stems:      " + " ".join(t.text for t in tokens))
        print()
    print("# One name, three spellings in this article, and what the index sees:")
    for name in ("تشو سون هوي", "تشو سون هي", "تشوي سون هوي", "كيم جونج أون", "بيونج يانج"):
        print(f"    {name:<14} -> {' '.join(t.text for t in analyze(name, args.analyzer))}")
    return 0


def _cmd_analyzers(args: argparse.Namespace) -> int:
    from .analysis import analyzer_names

    for name, desc in analyzer_names().items():
        print(f"{name:<16} {desc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsearch", description="Search Arabic news.")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="show the index terms of a text (or of standard input)")
    a.add_argument("text", nargs="?", help="text to analyze (default: read standard input)")
    a.add_argument("--analyzer", default="light", help="registered analyzer name")
    a.set_defaults(func=_cmd_analyze)

    d = sub.add_parser("demo", help="show the analysis of the bundled seed article")
    d.add_argument("--file", default="tests/data/seed/scraped_article_ar.txt")
    d.add_argument("--analyzer", default="light")
    d.add_argument("--paragraphs", type=int, default=5)
    d.set_defaults(func=_cmd_demo)

    n = sub.add_parser("analyzers", help="list the registered analyzers")
    n.set_defaults(func=_cmd_analyzers)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import NewsearchError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NewsearchError as e:
        print(f"newsearch: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"newsearch: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
