"""DetectCustomLabels' answers: deterministic labels for an image from a running version's trained label set.

Each trained label gets a confidence fixed by a hash of the image's bytes, the version and the label; labels at or
above the minimum confidence (by default each label's assumed threshold, as documented) are returned, most
confident first. A label that was trained with bounding boxes (object detection) comes with a box.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.emulator.evaluation import unit
from rekognition_datasets_local.emulator.exceptions import ImageTooLargeException, InvalidImageFormatException

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.model_versions import ProjectVersion

#: Largest image passed as bytes [doc: Custom Labels limits, 4 MB]; [infer] S3 images are held to it too.
MAX_IMAGE_BYTES = 4 * 1024 * 1024
#: Custom Labels analyses PNG and JPEG images [doc].
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def check_image(data: bytes) -> None:
    """Refuse what the service refuses: too large, or neither PNG nor JPEG."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLargeException(f"The image is {len(data)} bytes; at most {MAX_IMAGE_BYTES}.")
    if not data.startswith(_SIGNATURES):
        raise InvalidImageFormatException("Request has unsupported image format. Use a PNG or JPEG image.")


def detect(version: ProjectVersion, image: bytes, min_confidence: float | None, max_results: int | None) -> list[Any]:
    """``CustomLabels`` for ``image`` (already checked)."""
    fingerprint = hashlib.sha256(image).hexdigest()
    found = []
    for label in version.training.labels:
        confidence = round(100 * unit(version.arn, fingerprint, label.name), 3)
        floor = min_confidence if min_confidence is not None else 100 * version.thresholds.get(label.name, 0.5)
        if confidence < floor:
            continue
        custom: dict[str, Any] = {"Name": label.name, "Confidence": confidence}
        if label.boxed:
            custom["Geometry"] = {"BoundingBox": _box(version.arn, fingerprint, label.name)}
        found.append(custom)
    found.sort(key=lambda custom: (-custom["Confidence"], custom["Name"]))
    return found if max_results is None else found[:max_results]


def _box(*parts: str) -> dict[str, float]:
    """A box inside the image, of at least a tenth of each side."""
    width = 0.1 + 0.5 * unit(*parts, "width")
    height = 0.1 + 0.5 * unit(*parts, "height")
    left = (1 - width) * unit(*parts, "left")
    top = (1 - height) * unit(*parts, "top")
    return {
        name: round(value, 6) for name, value in (("Width", width), ("Height", height), ("Left", left), ("Top", top))
    }
