"""``rekognition-datasets validate FILE...``: check manifests against the documented Custom Labels rules.

Exit status: 0 when every file imports cleanly (its verdict, ``ok`` in ``--json``, is OK), 1 when any file has file or
line errors (its verdict is FAILED), 2 when a file cannot be read.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, TextIO

from rekognition_datasets_handler.manifest import Issue, LineResult, ManifestSummary, validate_file

if TYPE_CHECKING:
    import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="validate Custom Labels manifest files (SageMaker Ground Truth JSON Lines)",
        description="Report each line's errors and warnings with the service's codes, and the dataset stats.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="manifest file(s) to validate")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Validate each file; returns the exit status."""
    reports: dict[str, object] = {}
    status = 0
    for name in args.files:
        collector = _LineCollector(name, None if args.json else sys.stdout)
        try:
            summary = validate_file(name, collector)
        except OSError as exc:
            print(f"rekognition-datasets validate: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            status = 2
            continue
        ok = not (summary.file_errors or collector.error_count)
        if not ok:
            status = max(status, 1)
        if args.json:
            reports[name] = _json_report(summary, collector.issues, ok=ok)
        else:
            _print_summary(name, summary, sys.stdout, ok=ok)
    if args.json:
        print(json.dumps({"files": reports}, indent=2))
    return status


class _LineCollector:
    """Receives each line's result: prints its issues (text mode) or keeps them (JSON mode), counts errors."""

    def __init__(self, name: str, out: TextIO | None) -> None:
        self.name = name
        self.out = out
        self.error_count = 0
        self.issues: list[Issue] = []

    def __call__(self, result: LineResult) -> None:
        self.error_count += len(result.errors)
        for issue in (*result.errors, *result.warnings):
            if self.out is None:
                self.issues.append(issue)
            else:
                print(_format(f"{self.name}:{result.line_number}", issue), file=self.out)


def _location(issue: Issue) -> str:
    """`` [attribute]`` or `` [attribute.annotations[i]]`` for issues inside a label attribute."""
    if issue.attribute is None or issue.scope == "line":
        return ""
    if issue.scope == "annotation":
        return f" [{issue.attribute}.annotations[{issue.annotation}]]"
    suffix = "-metadata" if issue.scope == "metadata" else ""
    return f" [{issue.attribute}{suffix}]"


def _format(prefix: str, issue: Issue) -> str:
    marker = "warning: " if issue.severity == "warning" else ""
    detail = f" ({issue.detail})" if issue.detail else ""
    return f"{prefix}: {marker}{issue.code} {issue.message}{detail}{_location(issue)}"


def _print_summary(name: str, summary: ManifestSummary, out: TextIO, *, ok: bool) -> None:
    for issue in (*summary.file_errors, *summary.warnings):
        print(_format(name, issue), file=out)
    for issue in summary.training_errors:
        print(f"{_format(name, issue)} (fails training, not the import)", file=out)
    stats = " ".join(f"{key}={value}" for key, value in summary.stats.items())
    verdict = "OK" if ok else "FAILED"
    if summary.ok and not ok:
        verdict += " (imports, with entries in error)"
    print(
        f"{name}: {verdict}: {summary.total_lines} lines ({summary.valid_lines} valid, {summary.invalid_lines} "
        f"invalid, {summary.ignored_lines} ignored); {stats}; use case {summary.use_case}",
        file=out,
    )


def _json_report(summary: ManifestSummary, line_issues: list[Issue], *, ok: bool) -> dict[str, object]:
    line_errors = [issue.to_dict() for issue in line_issues if issue.severity == "error"]
    line_warnings = [issue.to_dict() for issue in line_issues if issue.severity == "warning"]
    return {
        "ok": ok,
        "imports": summary.ok,
        "errors": [issue.to_dict() for issue in summary.file_errors] + line_errors,
        "training_errors": [issue.to_dict() for issue in summary.training_errors],
        "warnings": [issue.to_dict() for issue in summary.warnings] + line_warnings,
        "lines": {
            "total": summary.total_lines,
            "valid": summary.valid_lines,
            "invalid": summary.invalid_lines,
            "ignored": summary.ignored_lines,
        },
        "use_case": summary.use_case,
        "stats": summary.stats,
        "label_stats": {
            label: {"EntryCount": entries, "BoundingBoxCount": boxes}
            for label, (entries, boxes) in summary.label_stats.items()
        },
    }
