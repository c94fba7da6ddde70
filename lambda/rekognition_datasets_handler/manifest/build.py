"""Building manifest lines in the format the Custom Labels console writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

#: ``creation-date`` of generated lines: fixed, so generated manifests (and their asset hashes) are reproducible.
GENERATED_CREATION_DATE = "2021-07-11T03:32:13.456Z"


def classification_entry(
    source_ref: str, labels: Iterable[str], *, creation_date: str = GENERATED_CREATION_DATE
) -> dict[str, object]:
    """An image-level line with one label attribute per label, as the console writes them (attribute = label)."""
    entry: dict[str, object] = {"source-ref": source_ref}
    for label in labels:
        entry[label] = 1
        entry[f"{label}-metadata"] = {
            "confidence": 1,
            "job-name": f"labeling-job/{label}",
            "class-name": label,
            "human-annotated": "yes",
            "creation-date": creation_date,
            "type": "groundtruth/image-classification",
        }
    return entry
