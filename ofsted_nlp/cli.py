"""The `ofsted-nlp` command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import OfstedNLPError

# Exit codes scripts can rely on.
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _cmd_corpus(args) -> int:
    from .corpus import build_corpus

    result = build_corpus(args.folder, args.out, workers=args.workers, progress=not args.quiet)
    print(f"{result.n_reports} reports, {result.n_sentences} sentences -> {result.sentences_path}, "
          f"{result.reports_path}")
    return _report_failures(result.failures)


def _cmd_weak_labels(args) -> int:
    import tempfile

    import pandas as pd

    from .corpus import build_corpus
    from .weak_labels import write_weak_labels

    with tempfile.TemporaryDirectory() as tmp:
        result = build_corpus(args.folder, tmp, workers=args.workers, progress=not args.quiet)
        path = write_weak_labels(pd.read_parquet(result.sentences_path), args.out)
    print(f"weak labels (section area and grade; not gold) for {result.n_reports} reports -> {path}")
    return _report_failures(result.failures)


def _report_failures(failures) -> int:
    if not failures:
        return EXIT_OK
    print(f"\n{len(failures)} file(s) could not be read:", file=sys.stderr)
    for path, reason in failures:
        print(f"  {path}: {reason}", file=sys.stderr)
    return EXIT_PARTIAL


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ofsted-nlp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("corpus", help="read a folder of report PDFs into sentences.parquet and reports.parquet")
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, default=Path("corpus"))
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_corpus)

    p = sub.add_parser("weak-labels", help="section-heading weak labels for every sentence of every report")
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, default=Path("labelled_data/weak/weak_labels.parquet"))
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_weak_labels)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Other modules add their subcommands here (classify, report, ...).
_EXTRA_COMMANDS: list = []


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except OfstedNLPError as exc:
        print(f"ofsted-nlp: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
