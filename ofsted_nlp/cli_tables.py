"""Subcommands for many publications: ``table``, ``timeline``, and ``report --format html``.

Registered by ``cli._register_table_commands``; the rest of ``cli`` is reused as it is.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``table`` and ``timeline`` subcommands to the ``ofsted-nlp`` parser's subparsers."""
    from . import cli

    p = sub.add_parser(
        "table", help="classify many publications into one table (.xlsx, .csv or .parquet)",
        description="Classify every report PDF among PATH (files, and folders searched recursively) on all cores "
                    "and write the areas table (one row per publication and area) and the findings table (one row "
                    "per finding). .xlsx: sheets areas, findings and bad_files. .csv/.parquet: OUT holds the areas, "
                    "OUT_findings.<suffix> the findings, OUT_bad_files.csv the files that could not be read. "
                    "PATH - reads one publication (PDF or text) from stdin. "
                    "Exit code 3 when any file could not be read (the others are written).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--output", "-o", type=Path, required=True, metavar="OUT.xlsx|OUT.csv|OUT.parquet")
    _shared_options(p, cli)
    p.set_defaults(func=_cmd_table)

    p = sub.add_parser(
        "timeline", help="one authority's publications over time, as a chart (.html or .png)",
        description="The per-area score of one local authority's publications in date order, with Ofsted's "
                    "grades as markers: a self-contained HTML page (plotly) or a PNG (matplotlib).")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--la", required=True, metavar="NAME", help="the local authority: any spelling, or its DfE/ONS code")
    p.add_argument("--output", "-o", type=Path, required=True, metavar="OUT.html|OUT.png")
    _shared_options(p, cli)
    p.set_defaults(func=_cmd_timeline)

    report = sub.choices.get("report")
    if report is not None:  # --format html: one publication as a self-contained page
        for action in report._actions:
            if "--format" in action.option_strings and "html" not in action.choices:
                action.choices = (*action.choices, "html")
                action.help = (action.help or "").replace(" (default", "; html: a self-contained page (default")
        previous = report.get_default("func")
        report.set_defaults(func=lambda args: _cmd_report_html(args) if args.format == "html" else previous(args))


def _shared_options(p, cli) -> None:
    p.add_argument("--model", default=None, help="model directory or MLflow model URI (default: the shipped model)")
    p.add_argument("--workers", type=cli._positive_int, default=None, help="processes (default: all cores)")
    p.add_argument("--thresholds", type=Path, metavar="FILE.json", help="grade cut points as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _thresholds(args):
    from . import cli
    from .summary import GradeThresholds

    return None if args.thresholds is None else GradeThresholds.from_dict(cli._read_json(args.thresholds))


def _cmd_table(args) -> int:
    from . import cli
    from .tables import build_tables, output_paths, write_tables

    output_paths(args.output)  # an unknown suffix fails before any work
    with cli.Publications(args.paths) as publications:  # PATH - is a publication read from stdin
        tables = build_tables(publications.paths, args.model, workers=args.workers, progress=not args.quiet,
                              thresholds=_thresholds(args))
        tables.bad_files["file"] = [publications.shown(f) for f in tables.bad_files["file"]]
    try:
        written = write_tables(tables, args.output)
    except OSError as exc:
        print(f"ofsted-nlp: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return cli.EXIT_ERROR
    n = tables.areas["publication_id"].nunique()
    print(f"{n} publication{'s' if n != 1 else ''}, {len(tables.areas)} area rows, {len(tables.findings)} findings "
          f"-> {', '.join(map(str, written))}")
    return cli._report_failures(tables.failures)


def _cmd_timeline(args) -> int:
    from . import cli
    from .timeline import timeline

    rows = timeline(args.paths, args.la, args.output, model=args.model, workers=args.workers,
                    progress=not args.quiet, thresholds=_thresholds(args))
    n = rows["publication_id"].nunique()
    print(f"{rows.attrs['authority'].name}: {n} publication{'s' if n != 1 else ''} -> {args.output}")
    return cli._report_failures(rows.attrs.get("bad_files") or [])


def _cmd_report_html(args) -> int:
    from . import cli
    from .errors import InputError
    from .html_view import report_html

    if len(args.files) > 1:
        raise InputError("--format html makes one page of one publication; give one FILE (or use `table`)")
    return cli._each_publication(args, lambda results, fmt: report_html(results[0]))

