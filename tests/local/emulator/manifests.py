"""Builders of Ground Truth manifest lines for the emulator tests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rekognition_datasets_handler.manifest import classification_entry

if TYPE_CHECKING:
    from collections.abc import Iterable

BUCKET = "images-bucket"


def classification(source_ref: str, *labels: str) -> dict[str, object]:
    """An image-level line: one label attribute per label, as the console writes them."""
    return classification_entry(source_ref, labels)


def detection(source_ref: str, boxes: list[tuple[str, int, int, int, int]]) -> dict[str, object]:
    """An object-localization line; each box is (label, left, top, width, height) on a 1000x800 image."""
    classes = sorted({label for label, *_ in boxes})
    return {
        "source-ref": source_ref,
        "bounding-box": {
            "image_size": [{"width": 1000, "height": 800, "depth": 3}],
            "annotations": [
                {"class_id": classes.index(label), "left": left, "top": top, "width": width, "height": height}
                for label, left, top, width, height in boxes
            ],
        },
        "bounding-box-metadata": {
            "objects": [{"confidence": 1} for _ in boxes],
            "class-map": {str(i): label for i, label in enumerate(classes)},
            "type": "groundtruth/object-detection",
            "human-annotated": "yes",
            "creation-date": "2021-06-22T10:11:18.006Z",
            "job-name": "labeling-job/bounding-box",
        },
    }


def image(name: str, bucket: str = BUCKET) -> str:
    return f"s3://{bucket}/images/{name}.jpg"


def labelled(counts: dict[str, int], bucket: str = BUCKET) -> list[dict[str, object]]:
    """``count`` single-label classification lines per label."""
    return [
        classification(image(f"{label}-{i}", bucket), label) for label, count in counts.items() for i in range(count)
    ]


def jsonl(lines: Iterable[dict[str, object] | str]) -> str:
    """JSON Lines text, one line per item (an empty iterable gives an empty file)."""
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
