"""DatasetStats and ListDatasetLabels counts of stored (non-terminal) entries."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .issues import LineResult


class StatsAccumulator:
    """Running counts over entries; memory grows with the number of distinct labels only."""

    __slots__ = ("_box_counts", "_entry_counts", "errors", "labeled", "total")

    def __init__(self) -> None:
        self.total = 0
        self.labeled = 0
        self.errors = 0
        self._entry_counts: Counter[str] = Counter()
        self._box_counts: Counter[str] = Counter()

    def add(self, result: LineResult) -> None:
        """Count one line; terminal lines are not stored, so they are not counted."""
        if result.terminal:
            return
        self.total += 1
        self.labeled += result.is_labeled
        self.errors += result.has_errors
        for label in result.labels:
            self._entry_counts[label] += 1
        for label, boxes in result.bounding_box_counts.items():
            self._box_counts[label] += boxes

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
        """label -> (EntryCount, BoundingBoxCount), in the order labels first appear."""
        return {label: (count, self._box_counts[label]) for label, count in self._entry_counts.items()}


def compute_stats(results: Iterable[LineResult]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Stats of a set of stored (non-terminal) entries, e.g. an emulated dataset after upserts."""
    accumulator = StatsAccumulator()
    for result in results:
        accumulator.add(result)
    return accumulator.stats(), accumulator.label_stats()
