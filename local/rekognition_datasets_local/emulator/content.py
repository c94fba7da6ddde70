"""Dataset content: manifests and UpdateDatasetEntries blobs through the shared manifest rules.

Every rule (terminal lines, per-entry errors, file errors, stats) comes from ``rekognition_datasets_handler.manifest``;
this module only feeds it lines and merges the kept entries into a dataset.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rekognition_datasets_handler.manifest import FILE_ERRORS, LineResult, ManifestValidator, compute_stats
from rekognition_datasets_handler.manifest.codes import ERROR_MANIFEST_SIZE_TOO_LARGE, MAX_MANIFEST_BYTES

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.models import Entries

#: Most entries a dataset may hold (the default images-per-dataset quota).
MAX_DATASET_ENTRIES = 250_000
MULTIPLE_BUCKETS = "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"
SIZE_TOO_LARGE = ERROR_MANIFEST_SIZE_TOO_LARGE


class ManifestTooLarge(Exception):
    """Raised by an object reader instead of downloading a manifest over the size limit."""


@dataclass(frozen=True)
class Parsed:
    """Lines kept (terminal lines dropped) in order, and the file error that fails the whole import, if any."""

    entries: Entries
    file_error: str | None


def parse(data: bytes) -> Parsed:
    """Run ``data`` (JSON Lines) through the manifest rules."""
    validator = ManifestValidator()
    entries: Entries = {}
    # Decoded as the manifest rules read a file: undecodable bytes become invalid JSON lines.
    for line in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="surrogateescape"):
        result = validator.feed(line)
        if not result.terminal and result.source_ref is not None:
            entries[result.source_ref] = result
    summary = validator.finish()
    return Parsed(entries, summary.file_errors[0].message if summary.file_errors else None)


def too_large(size: int) -> bool:
    return size > MAX_MANIFEST_BYTES


def merge(current: Entries, changes: Entries) -> Parsed:
    """Upsert ``changes`` into ``current`` by source-ref; the dataset-wide rules decide if the result is valid."""
    merged = {**current, **changes}
    if len({bucket_of(ref) for ref in merged}) > 1:
        return Parsed(merged, FILE_ERRORS[MULTIPLE_BUCKETS])
    return Parsed(merged, None)


@dataclass(frozen=True)
class EntryFilter:
    """ListDatasetEntries' filters: ContainsLabels is an OR; ``None`` keeps both kinds.

    [infer] ``has_errors=False`` keeps the entries without errors (the docs only describe ``True``).
    """

    contains_labels: frozenset[str] = frozenset()
    labeled: bool | None = None
    has_errors: bool | None = None
    source_ref_contains: str | None = None

    def matches(self, entry: LineResult) -> bool:
        return (
            (not self.contains_labels or bool(self.contains_labels & entry.labels))
            and self.labeled in (None, entry.is_labeled)
            and self.has_errors in (None, entry.has_errors)
            and (self.source_ref_contains is None or self.source_ref_contains in (entry.source_ref or ""))
        )


def bucket_of(source_ref: str) -> str:
    return source_ref.removeprefix("s3://").split("/", 1)[0]


def stats(entries: Entries) -> dict[str, int]:
    """``DatasetStats`` of a dataset's entries."""
    totals, _ = compute_stats(entries.values())
    return dict(totals)


def label_stats(entries: Entries) -> list[tuple[str, int, int]]:
    """``(label, EntryCount, BoundingBoxCount)`` per label, in the order labels first appear."""
    _, per_label = compute_stats(entries.values())
    return [(label, counts[0], counts[1]) for label, counts in per_label.items()]


def render(result: LineResult) -> str:
    """An entry as ListDatasetEntries returns it (one compact JSON line with ``cl-metadata``/``cl-errors``)."""
    return json.dumps(result.entry, separators=(",", ":"), ensure_ascii=False)
