"""The `ofsted-nlp` command.

Exit codes: 0 ok, 1 error (bad input, unreadable file, no model; one line on stderr),
2 usage (argparse), 3 partial (some files of a folder could not be read), 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .cli_inputs import STDIN, Publications, decode_stdin, stdin_bytes
from .errors import OfstedNLPError
from .files import write_text_atomically

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
    """The ``ofsted-nlp`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="ofsted-nlp", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("corpus", help="read a folder of report PDFs into sentences.parquet and reports.parquet")
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, default=Path("corpus"))
    p.add_argument("--workers", type=_positive_int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_corpus)

    p = sub.add_parser("weak-labels", help="section-heading weak labels for every sentence of every report")
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, default=Path("labelled_data/weak/weak_labels.parquet"))
    p.add_argument("--workers", type=_positive_int, default=None, help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_weak_labels)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# --------------------------------------------------------------------------- classify and report

FORMATS = ("table", "json", "jsonl", "csv")


def _register_classify_commands(sub) -> None:
    p = sub.add_parser(
        "classify", help="classify a sentence, a document (report or letter PDF, .txt, .md, .html) or stdin",
        description="Classify each sentence into a service area and a polarity. INPUT is the text itself, "
                    "a report or letter PDF, a .txt, .md or .html document, or - for stdin (read as a document). "
                    "Boilerplate (letterhead, sign-off, byline) is returned marked as not a finding.")
    p.add_argument("input", metavar="TEXT|FILE|-")
    p.add_argument("--split", action="store_true",
                   help="read TEXT as a document, one finding a sentence (default: TEXT is one finding)")
    p.add_argument("--lines", action="store_true",
                   help="a text file or stdin: one finding per non-empty line (no sentence splitting)")
    _add_common_options(p, "table: aligned columns; json: a list; jsonl: one finding a line; csv: one finding a row")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser(
        "report", help="summarise publications (report or letter PDF, .txt, .md, .html): findings by area",
        description="Read an inspection report, a visit letter or a text, classify its findings and summarise "
                    "them: its kind, counts by area and polarity, the strongest findings, and a predicted grade "
                    "per area with its evidence. FILE - reads one publication (PDF or text) from stdin. With "
                    "several files, each is summarised in turn (json: a list); files that cannot be read are "
                    "listed on stderr and the exit code is 3.")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE")
    p.add_argument("--top", type=_non_negative_int, default=3, metavar="N",
                   help="strongest positive and negative findings to show per area (default 3)")
    p.add_argument("--thresholds", type=Path, metavar="FILE.json",
                   help="grade cut points as JSON: {\"outstanding\": .., \"good\": .., \"requires_improvement\": .., "
                        "\"min_findings\": ..}")
    _add_common_options(p, "table: readable summary; json: report, summary and findings; "
                           "jsonl: one area a line; csv: one area a row")
    p.set_defaults(func=_cmd_report)


def _add_common_options(p, format_help: str) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help=format_help + " (default table)")
    p.add_argument("--model", default=None,
                   help="model directory or MLflow model URI (models:/name/1, runs:/id/model, file:///...); "
                        "default: $OFSTED_NLP_MODEL or the model shipped with ofsted_nlp")
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE",
                   help="write here (atomically) instead of stdout")
    p.add_argument("--batch-size", type=_positive_int, default=256, help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no warnings")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _cmd_classify(args) -> int:
    from . import api

    def run():
        progress = False if args.quiet else None
        source = args.input
        if source == STDIN:
            if args.lines:
                import io

                findings = api._classify_lines(io.StringIO(_read_stdin()), args.model, source="<stdin>", stem=None,
                                               batch_size=args.batch_size, progress=progress)
            else:
                result = api.classify(_read_stdin(), args.model, batch_size=args.batch_size, progress=progress,
                                      split=True)
                findings = result
        else:
            path = _as_existing_file(source)
            if path is not None:
                result = api.classify(path, args.model, batch_size=args.batch_size, progress=progress,
                                      lines=args.lines)
                findings = list(result.findings) if isinstance(result, api.DocumentFindings) else result
            else:
                result = api.classify(source, args.model, batch_size=args.batch_size, progress=progress,
                                      split=args.split)
                findings = result if isinstance(result, list) else [result]
        return _render_findings(findings, args.format)

    return _run_and_write(run, args)


def _read_stdin() -> str:
    """Standard input as text; bytes that are not UTF-8 text (a PDF piped in) are refused."""
    from .errors import InputError

    data = stdin_bytes()
    if b"%PDF" in data[:1024] or b"\x00" in data[:4096]:
        raise InputError("stdin holds binary data (a PDF?); pass the file name instead of piping it")
    return decode_stdin(data)


def _as_existing_file(source: str) -> Path | None:
    """The file INPUT names, None when INPUT is text; a missing *.pdf / *.txt is an error, not text."""
    from .errors import InputError, ReportError

    if len(source) > 4096 or "\n" in source or not source.strip():
        return None
    path = Path(source).expanduser()
    try:
        if path.exists():
            return path
    except OSError:  # e.g. a name too long for the file system: it is text
        return None
    looks_like_file = " " not in source.strip() and path.suffix.lower() in (".pdf", ".txt", ".md", ".html", ".htm")
    if looks_like_file:
        if path.suffix.lower() == ".pdf":
            raise ReportError(path, "file not found")
        raise InputError(f"{path}: file not found")
    return None


def _cmd_report(args) -> int:
    return _each_publication(args, _render_reports)


def _classify_publication(path: Path, args, thresholds):
    from . import api
    from .errors import ReportError

    result = api.classify(path, args.model, batch_size=args.batch_size, progress=False if args.quiet else None,
                          thresholds=thresholds, top_k=args.top)
    if not isinstance(result, api.DocumentFindings):
        raise ReportError(path, "not a publication (pass a PDF, .txt, .md or .html file)")
    return result


def _each_publication(args, render) -> int:
    """Classify every FILE (``-``: stdin) and write ``render(results, format)``. One file: its error is the
    command's. Several: a file that cannot be read is listed on stderr and the others are written (exit 3)."""
    from .summary import GradeThresholds

    failures: list[tuple[str, str]] = []
    with Publications(args.files) as publications:
        def run():
            thresholds = None
            if args.thresholds is not None:
                thresholds = GradeThresholds.from_dict(_read_json(args.thresholds))
            if len(publications.paths) == 1:
                try:
                    return render([_classify_publication(publications.paths[0], args, thresholds)], args.format)
                except OfstedNLPError as exc:
                    raise publications.renamed(exc) from None
            results = []
            for path in publications.paths:
                try:
                    results.append(_classify_publication(path, args, thresholds))
                except OfstedNLPError as exc:
                    failures.append((publications.shown(path), getattr(exc, "reason", None) or _one_line(exc)))
            if not results:
                _report_failures(failures)
                raise _NothingRead(f"none of the {len(failures)} files could be read")
            return render(results, args.format)

        code = _run_and_write(run, args)
    return code if code != EXIT_OK else _report_failures(failures)


class _NothingRead(OfstedNLPError):
    """Every file of a many-file command failed (each is listed on stderr)."""


def _read_json(path: Path):
    import json

    from .errors import InputError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def _run_and_write(run, args) -> int:
    """Run a command that returns its output text; warnings become one stderr line each."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        if not args.quiet:
            print(f"ofsted-nlp: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        text = run()
    try:
        _write_output(text, args.output)
    except OSError as exc:
        target = args.output if args.output is not None else "stdout"
        print(f"ofsted-nlp: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `ofsted-nlp ... | head`: the reader has what it wanted
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    write_text_atomically(output, text, make_parents=False)


def _one_line(message) -> str:
    return " ".join(str(message).split())


# ---------------------------------------------------------------- rendering


def _render_findings(findings, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        import json

        return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in findings)
    if fmt == "csv":
        return _csv([f.to_frame_row() for f in findings])
    return _findings_table(findings)


def _csv(rows: list[dict]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    if rows:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _text_width(used: int) -> int | None:
    """Room left for the text column on a terminal; None (no cut) when stdout is not one."""
    import shutil

    if not sys.stdout.isatty():
        return None
    return max(30, shutil.get_terminal_size((120, 24)).columns - used - 1)


def _clip(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    if width is None or len(text) <= width:
        return text
    return text[:width - 1] + "…"


def _table(header: list[str], rows: list[list[str]], right: Collection[int] = frozenset()) -> list[str]:
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(len(header))]
    lines = []
    for cells in [header] + rows:
        out = []
        for i, cell in enumerate(cells):
            last = i == len(cells) - 1
            out.append(cell if last else (cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])))
        lines.append("  ".join(out).rstrip())
    return lines


def _findings_table(findings) -> str:
    if not findings:
        return "(no findings)\n"
    provs = [f.provenance for f in findings]
    columns: list[tuple[str, Callable[[Any], str]]] = []
    if any(p is not None and p.page is not None for p in provs):
        columns += [("page", lambda f: _str(f.provenance.page if f.provenance else None)),
                    ("para", lambda f: _str(f.provenance.paragraph_number if f.provenance else None))]
    elif any(p is not None and p.line is not None for p in provs):
        columns.append(("line", lambda f: _str(f.provenance.line if f.provenance else None)))
    columns += [
        ("area", lambda f: f.area),
        ("polarity", lambda f: f.polarity),
        ("conf", lambda f: f"{f.confidence:.2f}"),
        ("finding", lambda f: "yes" if f.is_finding else "no"),
    ]
    rows = [[get(f) for _, get in columns] for f in findings]
    header = [name for name, _ in columns] + ["text"]
    used = sum(max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(header[:-1]))
    width = _text_width(used)
    rows = [r + [_clip(f.text, width)] for r, f in zip(rows, findings)]
    right = {i for i, (name, _) in enumerate(columns) if name in ("page", "para", "line", "conf")}
    lines = _table(header, rows, right)
    n_not = sum(not f.is_finding for f in findings)
    kinds = sorted({f.kind for f in findings if f.kind})
    footer = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
    if kinds:
        footer += f" of a {', '.join(kinds)} document"
    if n_not:
        footer += f", {n_not} not findings (boilerplate, the 'none' area, or not English)"
    return "\n".join(lines + ["", footer]) + "\n"


def _str(value) -> str:
    return "" if value is None else str(value)


def _render_reports(results: list, fmt: str) -> str:
    """One publication's report, or several: json a list of them, jsonl and csv their rows one after
    another (each row names its report_id), table the summaries in turn."""
    import json

    if fmt == "json":
        dicts = [r.to_dict() for r in results]
        return json.dumps(dicts[0] if len(dicts) == 1 else dicts, indent=2, ensure_ascii=False, default=str) + "\n"
    areas = [dict(report_id=r.report_id, **s.to_dict(with_findings=fmt == "jsonl"))
             for r in results for s in r.summary.areas.values()]
    if fmt == "jsonl":
        return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in areas)
    if fmt == "csv":
        rows = []
        for a in areas:
            counts = a.pop("counts")
            rows.append({**a, **{f"n_{k}": v for k, v in counts.items()}})
        return _csv(rows)
    return "\n\n".join(_report_table(r) for r in results)


def _grade_text(grade) -> str:
    return grade.replace("_", " ") if grade else "-"


def _report_table(result) -> str:
    from .summary import format_score

    meta, summary = result.metadata, result.summary
    title = f"{meta.get('local_authority') or result.report_id} ({result.report_id})"
    details = [result.kind, meta.get("era"),
               f"published {meta['publication_date']}" if meta.get("publication_date") else None,
               f"visit {meta['inspection_start']}" if result.kind != "inspection" and meta.get("inspection_start")
               else None, f"focus: {meta['visit_focus']}" if meta.get("visit_focus") else None]
    lines = [title, ", ".join(d for d in details if d),
             f"{summary.n_findings} findings classified"
             + (f", {summary.n_not_findings} left out as not findings" if summary.n_not_findings else ""), ""]
    header = ["area", "findings", "positive", "negative", "neutral", "score", "predicted", "Ofsted"]
    rows = []
    for s in summary.areas.values():
        pct = (lambda x: f"{100 * x:.0f}%") if s.n_findings else (lambda x: "-")
        rows.append([s.area, str(s.n_findings), pct(s.share_positive), pct(s.share_negative), pct(s.share_neutral),
                     "-" if s.n_findings == 0 else format_score(s.score, summary.thresholds.for_area(s.area)), _grade_text(s.predicted_grade),
                     _grade_text(s.ofsted_grade)])
    lines += _table(header, rows, right={1, 2, 3, 4, 5})
    import textwrap

    lines += [""] + textwrap.wrap(summary.rule_text(), width=min(100, (_text_width(0) or 100)))
    width = _text_width(14)
    for s in summary.areas.values():
        if not s.n_findings:
            continue
        lines += ["", f"{s.area}: {s.reason}"]
        for sign, polarity, chosen in (("+", "positive", s.top_positive), ("-", "negative", s.top_negative)):
            for f in chosen:
                where = _where(f)
                lines.append(f"  {sign} {f.polarity_probs.get(polarity, 0.0):.2f} "
                             + _clip(f"{f.text}{where}", width))
    return "\n".join(lines) + "\n"


def _where(finding) -> str:
    p = finding.provenance
    if p is None or p.page is None:
        return ""
    para = f", para {p.paragraph_number}" if p.paragraph_number is not None else ""
    return f" (p. {p.page}{para})"


def _register_table_commands(sub) -> None:
    """table, timeline and report --format html (ofsted_nlp/cli_tables.py)."""
    from .cli_tables import register

    register(sub)


# Other modules add their subcommands here: a function taking the subparsers object.
_EXTRA_COMMANDS: list = [_register_classify_commands, _register_table_commands]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status: 0 done, 1 an
    error (printed on stderr as one line), 2 bad usage, 3 some of several inputs could not be read."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except OfstedNLPError as exc:
        print(f"ofsted-nlp: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
