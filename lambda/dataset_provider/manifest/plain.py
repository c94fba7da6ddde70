"""The fast path for the common lines: every label attribute pair well-formed and valid.

Most manifest lines are valid classification or detection lines. Recognising them in one pass, without the issue
lists and per-attribute records of ``lines.check_content``, keeps validation close to the JSON parser's speed.
``plain_labels`` answers only when the full rules would find no error and no warning (the line is valid with the
labels it returns); for any other line it returns None and the full rules run. ``tests/manifest/test_plain.py``
checks that equivalence on generated and mutated lines.
"""

from __future__ import annotations

from typing import cast

from . import codes
from .attributes import METADATA_SUFFIX, common_metadata_ok, find_pairs, is_confidence, is_label_name, is_number
from .detection import box_issue, resize_scale

MIN_SIDE, MAX_SIDE = codes.MIN_IMAGE_SIDE, codes.MAX_IMAGE_SIDE


def plain_labels(obj: dict[str, object]) -> tuple[frozenset[str], dict[str, int]] | None:
    """(image-level labels, valid boxes per label) of a line the full rules find valid without any issue, else None."""
    pairs, orphans = find_pairs(obj)
    if orphans or not pairs:
        return None
    names: list[frozenset[str]] = []
    box_counts: dict[str, int] = {}
    annotation_count = 0
    for attribute in pairs:
        value = obj[attribute]
        metadata = obj[attribute + METADATA_SUFFIX]
        if not isinstance(metadata, dict) or not common_metadata_ok(metadata):
            return None
        kind = metadata.get("type")
        if kind == codes.CLASSIFICATION_TYPE:
            name = _classification_label(value, metadata)
            if name is None:
                return None
            names.append(frozenset({name}))
        elif kind == codes.DETECTION_TYPE:
            count = _add_boxes(value, metadata, box_counts)
            if count is None:
                return None
            annotation_count += count
        else:
            return None
    if annotation_count > codes.MAX_BOUNDING_BOXES:
        return None
    # built as lines._add_labels builds it, so the set iterates in the same order (one name: trivially)
    return (names[0] if len(names) == 1 else frozenset().union(*names)), box_counts


def _classification_label(value: object, metadata: dict[str, object]) -> str | None:
    """The class name of a valid image-level pair (common metadata already checked), else None."""
    name = metadata.get("class-name")
    # is_label_name and is_int, inlined: this runs for every image-level line
    if not (isinstance(name, str) and name.strip() and len(name) <= codes.MAX_LABEL_NAME_CHARS):
        return None
    return name if type(value) is int and is_confidence(metadata.get("confidence")) else None


def _add_boxes(value: object, metadata: dict[str, object], box_counts: dict[str, int]) -> int | None:
    """Count the boxes of a detection pair whose every annotation is a valid box; its box count, else None."""
    size = _image_size(value)
    annotations = cast("dict[str, object]", value).get("annotations", []) if size else None
    objects = metadata.get("objects", [])
    class_map = metadata.get("class-map")
    if not (
        size
        and isinstance(annotations, list)
        and annotations
        and isinstance(objects, list)
        and len(objects) == len(annotations)
        and isinstance(class_map, dict)
        and _class_map_ok(class_map)
    ):
        return None
    width, height = size
    scale = resize_scale(width, height)
    for annotation, confidence in zip(annotations, objects, strict=True):
        name = _box_label(annotation, confidence, class_map, (width, height, scale))
        if name is None:
            return None  # the caller drops the partial counts
        box_counts[name] = box_counts.get(name, 0) + 1
    return len(annotations)


def _image_size(value: object) -> tuple[float, float] | None:
    """Width and height of a well-formed ``image_size`` within the allowed dimensions, else None."""
    image_size = value.get("image_size") if isinstance(value, dict) else None
    if not isinstance(image_size, list) or len(image_size) != 1 or not isinstance(image_size[0], dict):
        return None
    size = cast("dict[str, float]", image_size[0])
    if not (is_number(size.get("width")) and is_number(size.get("height")) and is_number(size.get("depth"))):
        return None
    width, height = size["width"], size["height"]
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        return None
    return width, height


#: the last class map found valid: the lines of a manifest usually share one, and comparing dicts runs in C
_valid_class_map: dict[str, object] = {}


def _class_map_ok(class_map: dict[str, object]) -> bool:
    """Every class name is a label name (the last valid class map is remembered, as a copy)."""
    global _valid_class_map
    if class_map == _valid_class_map:
        return True
    if not all(is_label_name(name) for name in class_map.values()):
        return False
    _valid_class_map = dict(class_map)
    return True


def _box_label(
    annotation: object, confidence: object, class_map: dict[str, object], image: tuple[float, float, float]
) -> str | None:
    """The label of a well-formed, usable box with its confidence, whose class is in the class map, else None.

    ``image`` is (width, height, resize scale). ``type(x) is int`` is ``is_int``, inlined: it runs for every box.
    """
    if not (isinstance(annotation, dict) and type(annotation.get("class_id")) is int and isinstance(confidence, dict)):
        return None
    box = (annotation.get("top"), annotation.get("left"), annotation.get("width"), annotation.get("height"))
    # all ints (the common case) are numbers: only other values need the is_number calls
    if not (type(box[0]) is type(box[1]) is type(box[2]) is type(box[3]) is int or all(map(is_number, box))):
        return None
    if not is_number(confidence.get("confidence")):
        return None
    name = class_map.get(str(annotation["class_id"]))
    if not isinstance(name, str) or len(name) > codes.MAX_LABEL_NAME_CHARS or box_issue(annotation, *image):
        return None
    return name
