"""The fast path for the common lines: every label attribute pair well-formed and valid.

Most manifest lines are valid classification or detection lines. Recognising them in one pass, without the issue
lists and per-attribute records of ``lines.check_content``, keeps validation close to the JSON parser's speed.
``plain_labels`` answers only when the full rules would find no error and no warning (the line is valid with the
labels it returns); for any other line it returns None and the full rules run. ``tests/manifest/test_plain.py``
checks that equivalence on generated and mutated lines.

Being stricter than the full rules is always safe here (a line it does not recognise simply takes the full rules),
so the checks use exact types: ``type(x) is dict`` where the rules say ``isinstance``, as the JSON parser makes no
subclasses. Everything runs inline for every line and every box: calls cost more than the checks themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from . import codes
from .attributes import METADATA_SUFFIX, RESERVED_KEYS, is_label_name, is_number
from .detection import resize_scale

MIN_SIDE, MAX_SIDE = codes.MIN_IMAGE_SIDE, codes.MAX_IMAGE_SIDE
MAX_NAME = codes.MAX_LABEL_NAME_CHARS
CLASSIFICATION_TYPE, DETECTION_TYPE = codes.CLASSIFICATION_TYPE, codes.DETECTION_TYPE
_SUFFIX_CHARS = len(METADATA_SUFFIX)
_YES_NO = ("yes", "no")


def plain_labels(obj: dict[str, object]) -> tuple[frozenset[str], dict[str, int]] | None:
    """(image-level labels, valid boxes per label) of a line the full rules find valid without any issue, else None."""
    names: list[str] = []
    box_counts: dict[str, int] = {}
    annotation_count = 0
    for key in obj:
        # attributes.find_pairs, fused: any "-metadata" key without its attribute (an orphan) stands aside
        if not key.endswith(METADATA_SUFFIX) or key in RESERVED_KEYS:
            continue
        attribute = key[:-_SUFFIX_CHARS]
        if attribute in RESERVED_KEYS or attribute not in obj:
            return None
        metadata = obj[key]
        if type(metadata) is not dict:
            return None
        # attributes.common_metadata_ok, inlined
        job_name = metadata.get("job-name")
        if not (
            metadata.get("human-annotated") in _YES_NO
            and (job_name is None or type(job_name) is str)
            and _is_date_time(metadata.get("creation-date"))
        ):
            return None
        kind = metadata.get("type")
        if kind == CLASSIFICATION_TYPE:
            name = _classification_label(obj[attribute], metadata)
            if name is None:
                return None
            names.append(name)
        elif kind == DETECTION_TYPE:
            count = _add_boxes(obj[attribute], metadata, box_counts)
            if count is None:
                return None
            annotation_count += count
        else:
            return None
    if not (names or annotation_count) or annotation_count > codes.MAX_BOUNDING_BOXES:
        return None  # no pair at all, or too many boxes
    # built as lines._add_labels builds it, so the set iterates in the same order
    image_level = (
        frozenset(names)
        if len(names) <= 1  # zero or one name: trivially the same set
        else frozenset().union(*(frozenset({name}) for name in names))
    )
    return image_level, box_counts


def _is_date_time(value: object) -> bool:
    """``attributes.is_date_time`` for an exact string."""
    if type(value) is not str:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _classification_label(value: object, metadata: dict[str, object]) -> str | None:
    """The class name of a valid image-level pair (common metadata already checked), else None."""
    name = metadata.get("class-name")
    confidence = metadata.get("confidence")
    # is_int, is_label_name and is_confidence, inlined: a float between 0 and 1 is finite
    if (
        type(value) is int
        and type(name) is str
        and len(name) <= MAX_NAME
        and name.strip()
        and (type(confidence) is int or type(confidence) is float)
        and 0 <= confidence <= 1
    ):
        return name
    return None


def _add_boxes(value: object, metadata: dict[str, object], box_counts: dict[str, int]) -> int | None:
    """Count the boxes of a detection pair whose every annotation is a valid box; its box count, else None.

    Inlines ``detection.box_issue`` per box with the same comparisons, so floats round the same way.
    """
    size = _image_size(value)
    if size is None:
        return None
    width, height = size
    annotations = cast("dict[str, object]", value).get("annotations", [])
    objects = metadata.get("objects", [])
    class_map = metadata.get("class-map")
    if not (
        type(annotations) is list
        and annotations
        and type(objects) is list
        and len(objects) == len(annotations)
        and type(class_map) is dict
    ):
        return None
    names = _names_by_id(class_map)
    if names is None:
        return None
    scale = resize_scale(width, height)
    for annotation, confidence in zip(annotations, objects, strict=True):
        if type(annotation) is not dict or type(confidence) is not dict:
            return None
        class_id = annotation.get("class_id")
        top, left = annotation.get("top"), annotation.get("left")
        box_width, box_height = annotation.get("width"), annotation.get("height")
        score = confidence.get("confidence")
        # all ints (the common case) are numbers: only other values need the is_number calls
        if not (
            type(class_id) is int
            and (
                type(top) is type(left) is type(box_width) is type(box_height) is int
                or (is_number(top) and is_number(left) and is_number(box_width) and is_number(box_height))
            )
            and (type(score) is int or is_number(score))
        ):
            return None
        name = names.get(class_id)
        if (
            name is None
            or top < 0  # type: ignore[operator]
            or left < 0  # type: ignore[operator]
            or box_width < 0  # type: ignore[operator]
            or box_height < 0  # type: ignore[operator]
            or left + box_width > width  # type: ignore[operator]
            or top + box_height > height  # type: ignore[operator]
            or box_width * scale <= 1  # type: ignore[operator]
            or box_height * scale <= 1  # type: ignore[operator]
        ):
            return None
        box_counts[name] = box_counts.get(name, 0) + 1
    return len(annotations)


def _image_size(value: object) -> tuple[float, float] | None:
    """Width and height of a well-formed ``image_size`` within the allowed dimensions, else None."""
    image_size = value.get("image_size") if type(value) is dict else None
    if type(image_size) is not list or len(image_size) != 1 or type(image_size[0]) is not dict:
        return None
    size = cast("dict[str, float]", image_size[0])
    width, height, depth = size.get("width"), size.get("height"), size.get("depth")
    if not (
        type(width) is type(height) is type(depth) is int
        or (is_number(width) and is_number(height) and is_number(depth))
    ):
        return None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):  # type: ignore[operator]
        return None
    return width, height  # type: ignore[return-value]


#: the last class map found valid (a copy: the lines of a manifest usually share one, and comparing dicts runs in C)
#: and its usable names by integer class id
_valid_class_map: dict[str, object] = {}
_valid_names: dict[int, str] = {}


def _names_by_id(class_map: dict[str, object]) -> dict[int, str] | None:
    """The class map's names of at most ``MAX_NAME`` characters by integer class id, None when a class name is
    not a label name.

    A box finds its name as the full rules do, under ``str(class_id)``: a key is listed here only when it is what
    ``str`` makes of its integer (``"7"``, not ``"07"``, ``" 7"`` or ``"+7"``); a name that is too long is left
    out, so its boxes take the full rules, which report it.
    """
    global _valid_class_map, _valid_names
    if class_map == _valid_class_map:
        return _valid_names
    if not all(is_label_name(name) for name in class_map.values()):
        return None
    names: dict[int, str] = {}
    for key, name in cast("dict[str, str]", class_map).items():
        class_id = _canonical_int(key)
        if class_id is not None and len(name) <= MAX_NAME:
            names[class_id] = name
    _valid_class_map, _valid_names = dict(class_map), names
    return names


def _canonical_int(key: str) -> int | None:
    """The integer whose ``str`` is ``key``, else None."""
    try:
        number = int(key)
    except ValueError:
        return None
    return number if str(number) == key else None
