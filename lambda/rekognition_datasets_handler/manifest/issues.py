"""Result records of manifest validation: one Issue per finding, one LineResult per line, one ManifestSummary."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal

from .codes import message_for

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Scope = Literal["file", "line", "attribute", "annotation", "metadata"]
Severity = Literal["error", "warning"]
LineStatus = Literal["valid", "invalid", "ignored"]


@dataclass(frozen=True)
class Issue:
    """One documented error or warning, placed at its scope (file, line, label attribute, annotation, metadata)."""

    code: str
    message: str
    scope: Scope
    severity: Severity
    line: int | None = None
    attribute: str | None = None
    #: index into the attribute's ``annotations`` when scope is "annotation"
    annotation: int | None = None
    #: what exactly is wrong (the offending value, the counts), beyond the service's documented message
    detail: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; fields that do not apply are left out."""
        data: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "scope": self.scope,
            "severity": self.severity,
        }
        extra = {"line": self.line, "attribute": self.attribute, "annotation": self.annotation, "detail": self.detail}
        data.update({key: value for key, value in extra.items() if value is not None})
        return data


@lru_cache(maxsize=1024)
def error(code: str, scope: Scope, *, attribute: str | None = None, annotation: int | None = None) -> Issue:
    """A line-level error (its line number is filled in when the line's result is assembled); cached, immutable."""
    message = message_for(code, attribute=attribute or "")
    return Issue(code, message, scope, "error", attribute=attribute, annotation=annotation)


@lru_cache(maxsize=1024)
def warning(code: str, scope: Scope, *, attribute: str | None = None) -> Issue:
    """A line-level warning."""
    return Issue(code, message_for(code), scope, "warning", attribute=attribute)


def file_error(code: str) -> Issue:
    """A file-scope error with its documented message."""
    return Issue(code, message_for(code), "file", "error")


def _no_entry() -> dict[str, object] | None:
    return None


@dataclass(frozen=True)
class LineResult:
    """What validation found in one manifest line, and the entry the service would store for it."""

    line_number: int
    source_ref: str | None
    #: terminal content error: the service silently drops the line (too long, bad JSON, missing/invalid or
    #: duplicate source-ref); also set for lines past the row limit, which are not validated.
    terminal: bool
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    #: labels this entry validly carries (image-level class names and classes of valid bounding boxes)
    labels: frozenset[str]
    #: labels used by at least one valid bounding box in this entry
    bounding_box_labels: frozenset[str]
    #: valid (used for training), invalid (terminal, or an error that excludes the line) or ignored (warnings only)
    status: LineStatus = "invalid"
    #: labels from valid image-level (classification) attributes
    image_level_labels: frozenset[str] = frozenset()
    #: label -> number of valid bounding boxes of that label in this entry
    bounding_box_counts: Mapping[str, int] = field(default_factory=dict)
    #: the entry carries at least one label attribute (its ``cl-metadata.is_labeled``); False when terminal
    _labeled: bool = field(default=False, repr=False)
    #: builds ``entry`` on first use: most callers (file validation, synth-time checks) never read it
    _build_entry: Callable[[], dict[str, object] | None] = field(default=_no_entry, repr=False, compare=False)

    @cached_property
    def entry(self) -> dict[str, object] | None:
        """The entry as stored and returned by ListDatasetEntries (``cl-metadata``, ``cl-errors``); None if terminal."""
        return self._build_entry()

    @property
    def is_labeled(self) -> bool:
        """True when the entry carries at least one label attribute (the service's ``cl-metadata.is_labeled``)."""
        return self._labeled

    @property
    def has_errors(self) -> bool:
        """True when any error was found in the line, at any scope (ListDatasetEntries ``HasErrors``)."""
        return bool(self.errors)


def valid_line_result(
    line_number: int,
    source_ref: str | None,
    image_level_labels: frozenset[str],
    bounding_box_counts: dict[str, int],
    build_entry: Callable[[], dict[str, object] | None],
) -> LineResult:
    """The result of a valid line without any issue, the common case: equal to what ``LineResult(...)`` builds,
    but the fields are filled at once (the generated frozen ``__init__`` sets 13 fields one by one through
    ``object.__setattr__``, a measurable share of validating a large manifest)."""
    result = object.__new__(LineResult)
    box_labels = frozenset(bounding_box_counts)
    vars(result).update(
        line_number=line_number,
        source_ref=source_ref,
        terminal=False,
        errors=(),
        warnings=(),
        labels=image_level_labels | box_labels,
        bounding_box_labels=box_labels,
        status="valid",
        image_level_labels=image_level_labels,
        bounding_box_counts=bounding_box_counts,
        _labeled=True,
        _build_entry=build_entry,
    )
    return result


@dataclass(frozen=True)
class ManifestSummary:
    """The outcome of validating a whole manifest, as the service would see it on import."""

    #: terminal file errors (CREATE_FAILED/UPDATE_FAILED); ``file_errors[0].message`` is the StatusMessage
    file_errors: tuple[Issue, ...]
    #: errors that only fail training, not import (too few labels)
    training_errors: tuple[Issue, ...]
    #: file-level warnings
    warnings: tuple[Issue, ...]
    total_lines: int
    valid_lines: int
    invalid_lines: int
    ignored_lines: int
    #: DatasetStats: TotalEntries, LabeledEntries, TotalLabels, ErrorEntries
    stats: dict[str, int]
    #: label -> (EntryCount, BoundingBoxCount), as ListDatasetLabels reports them
    label_stats: dict[str, tuple[int, int]]
    #: IMAGE_LEVEL_LABELS | OBJECT_LOCALIZATION | NOT_DETERMINED
    use_case: str
    #: the first few (at most 20) line errors, for short failure messages
    sample_errors: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when no file error would fail the import."""
        return not self.file_errors

    @property
    def status_message(self) -> str | None:
        """The dataset StatusMessage the service would report for a failed import, else None."""
        return self.file_errors[0].message if self.file_errors else None
