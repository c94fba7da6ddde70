"""Streaming manifest validation: per-line results as lines arrive, file-level rules at the end.

Memory stays flat however long the manifest is: the validator keeps only the set of stored source-refs,
label counters, line counters and a short sample of errors.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import codes
from .envelope import parse_line
from .issues import Issue, LineResult, ManifestSummary, file_error
from .lines import check_line, full_result
from .plain import label_set, plain_labels
from .stats import StatsAccumulator

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable


class ManifestValidator:
    """Feed a manifest line by line, then ``finish()`` for the file-level outcome."""

    def __init__(
        self,
        *,
        max_lines: int = codes.MAX_LINES,
        max_labels: int = codes.MAX_LABELS,
        invalid_threshold: float = codes.INVALID_THRESHOLD,
    ) -> None:
        self._max_lines = max_lines
        self._max_labels = max_labels
        self._invalid_threshold = invalid_threshold
        self._source_refs: set[str] = set()
        #: ``s3://<bucket>/`` of the first stored line
        self._first_bucket_prefix: str | None = None
        self._many_buckets = False
        self._lines = 0
        self._counts = {"valid": 0, "invalid": 0, "ignored": 0}
        self._image_level_lines = 0
        self._detection_lines = 0
        self._samples: list[Issue] = []
        self._stats = StatsAccumulator()

    @property
    def total_lines(self) -> int:
        """Lines fed so far."""
        return self._lines

    def feed(self, raw_line: str) -> LineResult:
        """Validate the next line (with or without its newline); blank lines are invalid dataset objects."""
        self._lines += 1
        line_number = self._lines
        if line_number > self._max_lines:
            # "JSON Line errors are validated until the number of JSON Lines reaches the limit."
            self._counts["ignored"] += 1
            issue = Issue(
                codes.ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM,
                codes.message_for(codes.ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM),
                "line",
                "error",
                line=line_number,
            )
            return LineResult(line_number, None, True, (issue,), (), frozenset(), frozenset(), "ignored")
        result = check_line(raw_line, line_number, self._source_refs)
        self._record(result)
        return result

    def feed_all(self, lines: Iterable[str]) -> None:
        """Feed every line, for a caller that needs no per-line results: the summary is the one ``feed`` gives.

        A line the fast path finds valid without any issue (``plain.plain_labels``) is counted as ``_record``
        counts its result, without building that result (its counters are summed locally and added at the end);
        any other line takes the full rules, as in ``feed``.
        """
        seen = self._source_refs
        add_labels = self._stats.add_labels
        max_lines = self._max_lines
        number = self._lines
        clean = image_level_lines = detection_lines = 0
        try:
            for raw in lines:
                if number >= max_lines:
                    self._lines = number
                    self.feed(raw)
                    number = self._lines
                    continue
                number += 1
                envelope = parse_line(raw)
                obj, source_ref, terminal_code = envelope
                plain = None
                # no terminal code: the line has its object and a valid source-ref
                if terminal_code is None and obj is not None and source_ref is not None and source_ref not in seen:
                    plain = plain_labels(obj)
                if plain is None or source_ref is None:
                    self._lines = number
                    self._record(full_result(envelope, number, seen))
                    continue
                names, box_counts = plain
                clean += 1
                # the labels as LineResult holds them, in its set's iteration order (label stats keep first
                # appearance); one image-level name and no box, the common classification line, needs no set
                add_labels(
                    names if len(names) == 1 and not box_counts else label_set(names) | frozenset(box_counts),
                    box_counts,
                )
                if names:
                    image_level_lines += 1
                if box_counts:
                    detection_lines += 1
                seen.add(source_ref)
                prefix = self._first_bucket_prefix
                if prefix is None or not source_ref.startswith(prefix):
                    self._note_bucket(source_ref)
        finally:
            self._lines = number
            self._counts["valid"] += clean
            self._stats.add_clean_lines(clean)
            self._image_level_lines += image_level_lines
            self._detection_lines += detection_lines

    def _record(self, result: LineResult) -> None:
        self._counts[result.status] += 1
        self._stats.add(result)
        if result.errors and len(self._samples) < codes.MAX_SAMPLE_ERRORS:
            self._samples.extend(result.errors[: codes.MAX_SAMPLE_ERRORS - len(self._samples)])
        if result.status == "valid":
            self._image_level_lines += bool(result.image_level_labels)
            self._detection_lines += bool(result.bounding_box_labels)
        if result.terminal or result.source_ref is None:
            return
        self._source_refs.add(result.source_ref)
        prefix = self._first_bucket_prefix
        if prefix is None or not result.source_ref.startswith(prefix):
            self._note_bucket(result.source_ref)

    def _note_bucket(self, source_ref: str) -> None:
        """Track whether stored lines name more than one bucket (a stored source-ref is a valid ``s3://`` URI)."""
        if self._first_bucket_prefix is None:
            bucket = source_ref[len("s3://") :].split("/", 1)[0]
            self._first_bucket_prefix = f"s3://{bucket}/"
        self._many_buckets = not source_ref.startswith(self._first_bucket_prefix)

    def finish(self) -> ManifestSummary:
        """The file-level outcome: file errors, training errors, stats and label stats."""
        use_case = self._use_case()
        return ManifestSummary(
            file_errors=tuple(self._file_error(code) for code in self._file_error_codes()),
            training_errors=self._training_errors(use_case),
            warnings=self._warnings(),
            total_lines=self.total_lines,
            valid_lines=self._counts["valid"],
            invalid_lines=self._counts["invalid"],
            ignored_lines=self._counts["ignored"],
            stats=self._stats.stats(),
            label_stats=self._stats.label_stats(),
            use_case=use_case,
            sample_errors=tuple(self._samples),
        )

    def _file_error(self, code: str) -> Issue:
        issue = file_error(code)
        if code != codes.ERROR_TOO_MANY_RECORDS_IN_ERROR:
            return issue
        invalid, total = self._counts["invalid"], self.total_lines
        limit = f"{self._invalid_threshold:.0%}"
        detail = f"{invalid} of {total} lines are invalid; more than {limit} invalid lines fail the import"
        return replace(issue, detail=detail)

    def _too_many_invalid(self) -> bool:
        # [infer] reported as ERROR_TOO_MANY_RECORDS_IN_ERROR; exactly 20% is still accepted ("> 20%" is an error).
        return self._counts["invalid"] > self._invalid_threshold * self.total_lines

    def _file_error_codes(self) -> list[str]:
        if self.total_lines == 0:
            return [codes.ERROR_EMPTY_MANIFEST]
        checks = {
            codes.ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM: self.total_lines > self._max_lines,
            codes.ERROR_TOO_MANY_RECORDS_IN_ERROR: self._too_many_invalid(),
            codes.ERROR_MANIFEST_TOO_MANY_LABELS: self._stats.label_count > self._max_labels,
            codes.ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS: self._many_buckets,
        }
        return [code for code, failed in checks.items() if failed]

    def _training_errors(self, use_case: str) -> tuple[Issue, ...]:
        minimum = codes.MIN_LABELS_CLASSIFICATION if use_case == "IMAGE_LEVEL_LABELS" else codes.MIN_LABELS_DETECTION
        too_few = self.total_lines > 0 and self._stats.label_count < minimum
        return (
            (
                Issue(
                    codes.ERROR_MANIFEST_TOO_FEW_LABELS,
                    codes.message_for(codes.ERROR_MANIFEST_TOO_FEW_LABELS),
                    "file",
                    "error",
                ),
            )
            if too_few
            else ()
        )

    def _warnings(self) -> tuple[Issue, ...]:
        invalid = self._counts["invalid"]
        if invalid == 0 or self._too_many_invalid():
            return ()
        message = codes.message_for(codes.WARNING_INVALID_LINES, invalid=invalid, total=self.total_lines)
        return (Issue(codes.WARNING_INVALID_LINES, message, "file", "warning"),)

    def _use_case(self) -> str:
        """[infer] which model the valid lines describe; mixed or no labels cannot be determined."""
        if self._image_level_lines and not self._detection_lines:
            return "IMAGE_LEVEL_LABELS"
        if self._detection_lines and not self._image_level_lines:
            return "OBJECT_LOCALIZATION"
        return "NOT_DETERMINED"


def validate_lines(lines: Iterable[str], on_line: Callable[[LineResult], object] | None = None) -> ManifestSummary:
    """Validate a manifest given as an iterable of lines; ``on_line`` sees each line's result as it is found."""
    validator = ManifestValidator()
    if on_line is None:
        validator.feed_all(lines)
    else:
        for line in lines:
            on_line(validator.feed(line))
    return validator.finish()


def validate_file(
    path: str | os.PathLike[str], on_line: Callable[[LineResult], object] | None = None
) -> ManifestSummary:
    """Validate a manifest file, streaming it; raises OSError when it cannot be read."""
    file = Path(path)
    if file.stat().st_size > codes.MAX_MANIFEST_BYTES:
        summary = ManifestValidator().finish()
        return replace(summary, file_errors=(file_error(codes.ERROR_MANIFEST_SIZE_TOO_LARGE),))
    # Undecodable bytes become lone surrogates, which the line rules report as ERROR_INVALID_JSON_LINE.
    with file.open(encoding="utf-8-sig", errors="surrogateescape") as stream:
        return validate_lines(stream, on_line)
