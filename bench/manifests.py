"""Synthetic, valid Custom Labels manifests (classification and object detection) of a chosen size."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pathlib import Path

Kind = Literal["classification", "detection"]

IMAGE_BUCKET = "bench-images"
LABELS = tuple(f"label-{n:02d}" for n in range(10))
_CREATED = "2024-05-01T12:00:00.000"


def _source_ref(index: int, bucket: str) -> str:
    return f"s3://{bucket}/images/{index:07d}.jpg"


def classification_line(index: int, bucket: str = IMAGE_BUCKET) -> str:
    """One image-level (classification) JSON line, labelled round-robin over ``LABELS``."""
    return json.dumps(
        {
            "source-ref": _source_ref(index, bucket),
            "bench-classification": 1,
            "bench-classification-metadata": {
                "confidence": 1,
                "job-name": "labeling-job/bench-classification",
                "class-name": LABELS[index % len(LABELS)],
                "human-annotated": "yes",
                "creation-date": _CREATED,
                "type": "groundtruth/image-classification",
            },
        },
        separators=(",", ":"),
    )


def detection_line(index: int, bucket: str = IMAGE_BUCKET, boxes: int = 3) -> str:
    """One object-detection JSON line with ``boxes`` boxes on a 640x480 image."""
    annotations = [
        {"class_id": (index + b) % len(LABELS), "top": 10 + 40 * b, "left": 20 + 30 * b, "width": 100, "height": 80}
        for b in range(boxes)
    ]
    return json.dumps(
        {
            "source-ref": _source_ref(index, bucket),
            "bounding-box": {"image_size": [{"width": 640, "height": 480, "depth": 3}], "annotations": annotations},
            "bounding-box-metadata": {
                "objects": [{"confidence": 1} for _ in range(boxes)],
                "class-map": {str(n): label for n, label in enumerate(LABELS)},
                "type": "groundtruth/object-detection",
                "human-annotated": "yes",
                "creation-date": _CREATED,
                "job-name": "labeling-job/bench-detection",
            },
        },
        separators=(",", ":"),
    )


def write_manifest(path: Path, kind: Kind, lines: int, bucket: str = IMAGE_BUCKET) -> int:
    """Write a manifest of ``lines`` lines; returns its size in bytes."""
    make = classification_line if kind == "classification" else detection_line
    with path.open("w", encoding="utf-8") as out:
        for index in range(lines):
            out.write(make(index, bucket))
            out.write("\n")
    return path.stat().st_size


def write_entries(path: Path, min_bytes: int, bucket: str = IMAGE_BUCKET, boxes: int = 8) -> int:
    """Write detection lines (about 1 KiB each with 8 boxes) until the file holds ``min_bytes``; returns lines."""
    written = 0
    index = 0
    with path.open("w", encoding="utf-8") as out:
        while written < min_bytes:
            line = detection_line(index, bucket, boxes) + "\n"
            out.write(line)
            written += len(line.encode())
            index += 1
    return index
