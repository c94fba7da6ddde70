"""DatasetStats and ListDatasetLabels counts of stored (non-terminal) entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .issues import LineResult


class StatsAccumulator:
    """Running counts over entries; memory grows with the number of distinct labels only."""

    __slots__ = ("_box_counts", "_entry_counts", "errors", "labeled", "total")

    def __init__(self) -> None:
        self.total = 0
        self.labeled = 0
        self.errors = 0
        # plain dicts, not Counters: ``get`` + store is about twice as fast as ``counter[label] += 1``
        self._entry_counts: dict[str, int] = {}
        self._box_counts: dict[str, int] = {}

    def add(self, result: LineResult) -> None:
        """Count one line; terminal lines are not stored, so they are not counted."""
        if result.terminal:
            return
        self.total += 1
        self.labeled += result.is_labeled
        self.errors += result.has_errors
        entry_counts, box_counts = self._entry_counts, self._box_counts
        for label in result.labels:
            entry_counts[label] = entry_counts.get(label, 0) + 1
        # BoundingBoxCount is "the total number of images that have the label assigned to a bounding box":
        # one per image, however many boxes it draws for the label
        for label in result.bounding_box_counts:
            box_counts[label] = box_counts.get(label, 0) + 1

    def add_labels(self, labels: Iterable[str], box_counts: Mapping[str, int]) -> None:
        """Count the labels of one stored line, as ``add`` does (for lines counted by ``add_clean_lines``)."""
        entry_counts, box_totals = self._entry_counts, self._box_counts
        for label in labels:
            entry_counts[label] = entry_counts.get(label, 0) + 1
        for label in box_counts:
            box_totals[label] = box_totals.get(label, 0) + 1

    def add_clean_lines(self, count: int) -> None:
        """Count ``count`` stored, labeled lines without errors, as ``add`` counts them (labels: ``add_labels``)."""
        self.total += count
        self.labeled += count

    @property
    def label_count(self) -> int:
        """Distinct labels carried by the entries."""
        return len(self._entry_counts)

    def stats(self) -> dict[str, int]:
        """DatasetStats as DescribeDataset returns them."""
        return {
            "TotalEntries": self.total,
            "LabeledEntries": self.labeled,
            "TotalLabels": self.label_count,
            "ErrorEntries": self.errors,
        }

    def label_stats(self) -> dict[str, tuple[int, int]]:
        """label -> (EntryCount, BoundingBoxCount: images with a box of the label), in the order labels first appear."""
        return {label: (count, self._box_counts.get(label, 0)) for label, count in self._entry_counts.items()}


def compute_stats(results: Iterable[LineResult]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Stats of a set of stored (non-terminal) entries, e.g. an emulated dataset after upserts."""
    accumulator = StatsAccumulator()
    for result in results:
        accumulator.add(result)
    return accumulator.stats(), accumulator.label_stats()
