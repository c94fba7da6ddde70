"""Rules for an object-localization (``groundtruth/object-detection``) label attribute pair."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from . import codes
from .attributes import AttributeCheck, common_metadata_ok, is_int, is_label_name, is_number
from .issues import Issue, error, warning

if TYPE_CHECKING:
    from collections.abc import Mapping

BOX_KEYS = ("top", "left", "width", "height")


def structure_issues(attribute: str, value: object, metadata: dict[str, object]) -> list[Issue]:
    """Format, confidence and class-map errors (first-detected: they stop the line's validation)."""
    issues: list[Issue] = []
    if not _attribute_ok(value):
        issues.append(error(codes.ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT, "attribute", attribute=attribute))
    if not _metadata_ok(metadata):
        issues.append(error(codes.ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT, "metadata", attribute=attribute))
    if issues:
        return issues
    annotations = _annotations(value)
    objects = cast("list[object]", metadata.get("objects", []))
    if len(objects) != len(annotations) or not all(has_confidence(obj) for obj in objects):
        issues.append(error(codes.ERROR_MISSING_BOUNDING_BOX_CONFIDENCE, "metadata", attribute=attribute))
    class_map = cast("dict[str, object]", metadata["class-map"])
    for index, annotation in enumerate(annotations):
        if str(annotation["class_id"]) not in class_map:
            issues.append(error(codes.ERROR_MISSING_CLASS_MAP_ID, "annotation", attribute=attribute, annotation=index))
    return issues


def check(attribute: str, value: object, metadata: dict[str, object]) -> AttributeCheck:
    """Content rules of a structurally sound pair: image size, label names, each bounding box."""
    annotations = _annotations(value)
    result = AttributeCheck(attribute, annotation_count=len(annotations))
    width, height = _image_size(value)
    if not all(codes.MIN_IMAGE_SIDE <= side <= codes.MAX_IMAGE_SIDE for side in (width, height)):
        result.issues.append(error(codes.ERROR_INVALID_IMAGE_DIMENSION, "line"))
        result.valid = False
    elif not annotations:
        result.issues.append(warning(codes.WARNING_NO_ATTRIBUTE_ANNOTATIONS, "attribute", attribute=attribute))
        result.annotated_without_boxes = metadata.get("human-annotated") == "yes"
    else:
        class_map = cast("dict[str, str]", metadata["class-map"])
        names = [class_map[str(annotation["class_id"])] for annotation in annotations]
        if any(len(name) > codes.MAX_LABEL_NAME_CHARS for name in names):
            result.issues.append(error(codes.ERROR_INVALID_LABEL_NAME_LENGTH, "metadata", attribute=attribute))
        result.box_counts = _count_boxes(result, annotations, names, (width, height))
        if not result.box_counts:
            result.issues.append(error(codes.ERROR_NO_VALID_ANNOTATIONS, "line"))
            result.valid = False
    return result


def _count_boxes(
    result: AttributeCheck, annotations: list[dict[str, object]], names: list[str], size: tuple[float, float]
) -> dict[str, int]:
    """Valid boxes per label; each invalid box's error is added to ``result``."""
    boxes: dict[str, int] = {}
    scale = resize_scale(*size)
    for index, (annotation, name) in enumerate(zip(annotations, names, strict=True)):
        code = box_issue(annotation, *size, scale)
        if code is not None:
            issue = error(code, "annotation", attribute=result.attribute, annotation=index)
            if code == codes.ERROR_INVALID_BOUNDING_BOX:
                issue = replace(issue, detail=off_frame_detail(annotation, *size))
            result.issues.append(issue)
        elif len(name) <= codes.MAX_LABEL_NAME_CHARS:
            boxes[name] = boxes.get(name, 0) + 1
    return boxes


def off_frame_detail(annotation: Mapping[str, Any], width: float, height: float) -> str:
    """Which value of an off-frame box is wrong, e.g. ``left=-1 < 0`` or ``left+width=130 > image width 100``."""
    for key in ("top", "left", "width", "height"):
        if annotation[key] < 0:
            return f"{key}={annotation[key]} < 0"
    if annotation["left"] + annotation["width"] > width:
        return f"left+width={annotation['left'] + annotation['width']} > image width {width}"
    return f"top+height={annotation['top'] + annotation['height']} > image height {height}"


def resize_scale(width: float, height: float) -> float:
    """The factor the service scales an image by before checking box sizes: it downsizes images whose longer
    side exceeds 1280 px."""
    return min(1.0, codes.RESIZE_SIDE / max(width, height))


def box_issue(annotation: Mapping[str, Any], width: float, height: float, scale: float) -> str | None:
    """The error code of one well-formed box (numbers under ``BOX_KEYS``), or None when the box is usable;
    ``scale`` is ``resize_scale(width, height)``."""
    top: float = annotation["top"]
    left: float = annotation["left"]
    box_width: float = annotation["width"]
    box_height: float = annotation["height"]
    if min(top, left, box_width, box_height) < 0 or left + box_width > width or top + box_height > height:
        return codes.ERROR_INVALID_BOUNDING_BOX
    # A box must stay larger than 1 px after that resize.
    # [infer] either side at or under 1 px after that resize counts as too small.
    if box_width * scale <= 1 or box_height * scale <= 1:
        return codes.ERROR_BOUNDING_BOX_TOO_SMALL
    return None


def _attribute_ok(value: object) -> bool:
    """``{"image_size": [{width, height, depth}], "annotations": [{class_id, top, left, width, height}…]}``."""
    if not isinstance(value, dict) or not _image_size_ok(value.get("image_size")):
        return False
    annotations = value.get("annotations", [])
    return isinstance(annotations, list) and all(_annotation_ok(a) for a in annotations)


def _image_size_ok(image_size: object) -> bool:
    # [infer] only the one-element array is accepted (every example but one COCO snippet uses it).
    if not isinstance(image_size, list) or len(image_size) != 1 or not isinstance(image_size[0], dict):
        return False
    size = image_size[0]
    return all(is_number(size.get(key)) and size[key] > 0 for key in ("width", "height")) and is_number(
        size.get("depth")
    )


def _annotation_ok(annotation: object) -> bool:
    return (
        isinstance(annotation, dict)
        and is_int(annotation.get("class_id"))
        and all(is_number(annotation.get(key)) for key in BOX_KEYS)
    )


def _metadata_ok(metadata: dict[str, object]) -> bool:
    class_map = metadata.get("class-map")
    objects = metadata.get("objects", [])
    return (
        common_metadata_ok(metadata)
        and isinstance(class_map, dict)
        and all(is_label_name(name) for name in class_map.values())
        and isinstance(objects, list)
    )


def has_confidence(obj: object) -> bool:
    return isinstance(obj, dict) and is_number(obj.get("confidence"))


def _annotations(value: object) -> list[dict[str, object]]:
    return cast("list[dict[str, object]]", cast("dict[str, object]", value).get("annotations", []))


def _image_size(value: object) -> tuple[float, float]:
    size = cast("list[dict[str, float]]", cast("dict[str, object]", value)["image_size"])[0]
    return size["width"], size["height"]
