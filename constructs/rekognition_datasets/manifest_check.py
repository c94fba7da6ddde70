"""Synth-time checks of local manifests and inline entries with the shared manifest rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk

from rekognition_datasets.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from constructs import IConstruct

    from rekognition_datasets_handler.manifest import Issue

#: At most this many errors are listed in one synth error (the count says how many there were).
MAX_LISTED_ERRORS = 20
WARNING_PREFIX = "rekognition-datasets:"


def _describe(origin: str, issue: Issue, line: int | None = None) -> str:
    where = f"{origin}:{line}" if line is not None else origin
    return f"{where}: {issue.code}: {issue.message}"


def check_manifest_lines(scope: IConstruct, lines: Iterable[str], origin: str) -> None:
    """Validate JSON Lines; errors fail synth (file, line, code, message), the rest become warnings.

    :param origin: what the lines are, for messages (a file path or ``inline entries``).
    :raises ValidationError: when any line or the manifest as a whole has an error.
    """
    from rekognition_datasets_handler.manifest import ManifestValidator

    validator = ManifestValidator()
    errors: list[str] = []
    annotations = cdk.Annotations.of(scope)
    for line in lines:
        result = validator.feed(line.rstrip("\r\n"))
        errors.extend(_describe(origin, issue, result.line_number) for issue in result.errors)
        for issue in result.warnings:
            annotations.add_warning_v2(WARNING_PREFIX + issue.code, _describe(origin, issue, result.line_number))
    summary = validator.finish()
    errors.extend(_describe(origin, issue, issue.line) for issue in summary.file_errors)
    for issue in (*summary.training_errors, *summary.warnings):
        annotations.add_warning_v2(WARNING_PREFIX + issue.code, _describe(origin, issue, issue.line))
    if errors:
        listed = "\n".join(errors[:MAX_LISTED_ERRORS])
        more = f"\n... and {len(errors) - MAX_LISTED_ERRORS} more" if len(errors) > MAX_LISTED_ERRORS else ""
        raise ValidationError(
            scope, f"{origin} has {len(errors)} manifest error(s); fix them before deploying:\n{listed}{more}"
        )
