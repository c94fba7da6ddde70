"""The fast path for the common lines: every label attribute pair well-formed and valid.

Most manifest lines are valid classification or detection lines. Recognising them in one pass, without the issue
lists and per-attribute records of ``lines.check_content``, keeps validation close to the JSON parser's speed.
``plain_labels`` answers only when the full rules would find no error and no warning (the line is valid with the
labels it returns); for any other line it returns None and the full rules run. ``tests/handler/manifest/test_plain.py``
checks that equivalence on generated, mutated and edge lines, and ``ManifestValidator.feed_all`` against the full
rules on whole manifests.

Being stricter than the full rules is always safe here (a line it does not recognise simply takes the full rules),
so the checks use exact types: ``type(x) is dict`` where the rules say ``isinstance``, as the JSON parser makes no
subclasses. Fields are read with subscripts under one ``try``: a missing key, or a list or string where a dict
belongs, raises, and any such error means "not plain". Everything runs inline for every line and every box:
calls (even ``min``, ``max`` or ``str.endswith``) cost more than the checks themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import codes
from .attributes import METADATA_SUFFIX, RESERVED_KEYS, is_label_name, is_number

MIN_SIDE, MAX_SIDE = codes.MIN_IMAGE_SIDE, codes.MAX_IMAGE_SIDE
MAX_NAME, RESIZE_SIDE = codes.MAX_LABEL_NAME_CHARS, codes.RESIZE_SIDE
CLASSIFICATION_TYPE, DETECTION_TYPE = codes.CLASSIFICATION_TYPE, codes.DETECTION_TYPE
_SUFFIX_CHARS = len(METADATA_SUFFIX)
_YES_NO = ("yes", "no")
#: what looking into a line of unexpected shape can raise; any of them means "not a plain line"
_NOT_PLAIN = (LookupError, TypeError, ValueError, ArithmeticError)


def plain_labels(obj: dict[str, Any]) -> tuple[list[str], dict[str, int]] | None:
    """(image-level label per image-level pair, valid boxes per label) of a line the full rules find valid without
    any issue, else None.

    ``obj`` is a line as the JSON parser returns it (only dicts, lists, strings, numbers, booleans and None).
    """
    try:
        return _plain_labels(obj)
    except _NOT_PLAIN:
        return None


def _plain_labels(obj: dict[str, Any]) -> tuple[list[str], dict[str, int]] | None:
    names: list[str] = []
    box_counts: dict[str, int] = {}
    annotation_count = 0
    for key in obj:
        # attributes.find_pairs, fused: any "-metadata" key without its attribute (an orphan) stands aside;
        # ``in`` first: an operator, much cheaper than a method call, and most keys do not contain the suffix
        if METADATA_SUFFIX not in key or not key.endswith(METADATA_SUFFIX):
            # attributes.unpaired_box_attributes, stricter: any dict-valued key without its "-metadata" sibling
            if type(obj[key]) is dict and key + METADATA_SUFFIX not in obj:
                return None
            continue
        if key in RESERVED_KEYS:
            continue
        attribute = key[:-_SUFFIX_CHARS]
        if attribute in RESERVED_KEYS:
            return None
        value = obj[attribute]  # KeyError for an orphan
        metadata = obj[key]
        if type(metadata) is not dict:
            return None
        # attributes.common_metadata_ok, inlined (fromisoformat raises TypeError for a non-string)
        datetime.fromisoformat(metadata["creation-date"])
        job_name = metadata.get("job-name")
        if metadata["human-annotated"] not in _YES_NO or not (job_name is None or type(job_name) is str):
            return None
        kind = metadata["type"]
        if kind == CLASSIFICATION_TYPE:
            name = metadata["class-name"]
            confidence = metadata["confidence"]
            # is_int, is_label_name and is_confidence, inlined: a float between 0 and 1 is finite
            if not (
                type(value) is int
                and type(name) is str
                and len(name) <= MAX_NAME
                and name.strip()
                and (type(confidence) is int or type(confidence) is float)
                and 0 <= confidence <= 1
            ):
                return None
            names.append(name)
        elif kind == DETECTION_TYPE:
            count = _add_boxes(value, metadata, box_counts)
            if count is None:
                return None
            annotation_count += count
        else:
            return None
    if not (names or annotation_count) or annotation_count > codes.MAX_BOUNDING_BOXES:
        return None  # no pair at all, or too many boxes
    return names, box_counts


def label_set(names: list[str]) -> frozenset[str]:
    """The image-level labels of ``plain_labels``' names, built as ``lines._add_labels`` builds them, so that the
    set iterates in the same order."""
    if len(names) <= 1:  # zero or one name: trivially the same set
        return frozenset(names)
    return frozenset().union(*(frozenset({name}) for name in names))


def _add_boxes(value: Any, metadata: dict[str, Any], box_counts: dict[str, int]) -> int | None:
    """Count the boxes of a detection pair whose every annotation is a valid box; its box count, else None.

    Checks what ``detection.box_issue`` checks, with the same comparisons (so floats round the same way); a
    negative width or height needs no test of its own: it is also under one pixel after scaling.
    """
    if type(value) is not dict:
        return None
    image_size = value["image_size"]
    annotations = value.get("annotations", [])
    objects = metadata.get("objects", [])
    class_map = metadata["class-map"]
    if not (
        type(image_size) is list
        and len(image_size) == 1
        and type(image_size[0]) is dict
        and type(annotations) is list
        and annotations
        and type(objects) is list
        and len(objects) == len(annotations)
        and type(class_map) is dict
    ):
        return None
    size = image_size[0]
    width, height, depth = size["width"], size["height"], size["depth"]
    # all ints (the common case) are numbers: only other values need the is_number calls
    if not (
        (type(width) is int and type(height) is int and type(depth) is int)
        or (is_number(width) and is_number(height) and is_number(depth))
    ):
        return None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        return None
    names = _names_by_id(class_map)
    if names is None:
        return None
    # detection.resize_scale, inlined (min and max are slow calls): the same value
    longer = height if height > width else width
    scale = 1.0 if longer <= RESIZE_SIDE else RESIZE_SIDE / longer
    for annotation, confidence in zip(annotations, objects, strict=True):
        # subscripts: cheaper than get() or itemgetter; TypeError unless dicts, KeyError for a missing field
        class_id, score = annotation["class_id"], confidence["confidence"]
        top, left, box_width, box_height = (
            annotation["top"],
            annotation["left"],
            annotation["width"],
            annotation["height"],
        )
        if not (
            type(class_id) is int
            and (
                (type(top) is int and type(left) is int and type(box_width) is int and type(box_height) is int)
                or (is_number(top) and is_number(left) and is_number(box_width) and is_number(box_height))
            )
            and (type(score) is int or is_number(score))
        ):
            return None
        name = names[class_id]  # KeyError when the class map has no usable name for it
        if (
            top < 0
            or left < 0
            or left + box_width > width
            or top + box_height > height
            or box_width * scale <= 1
            or box_height * scale <= 1
        ):
            return None
        box_counts[name] = box_counts.get(name, 0) + 1
    return len(annotations)


#: the last class map found valid (a copy: the lines of a manifest usually share one, and comparing dicts runs in C)
#: and its usable names by integer class id
_valid_class_map: dict[str, Any] = {}
_valid_names: dict[int, str] = {}


def _names_by_id(class_map: dict[str, Any]) -> dict[int, str] | None:
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
    for key, name in class_map.items():
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
