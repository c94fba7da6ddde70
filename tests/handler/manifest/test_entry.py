"""The stored entry: the original line plus ``cl-metadata`` and ``cl-errors`` where each error applies."""

from __future__ import annotations

import json
from typing import Any

from rekognition_datasets_handler.manifest import ManifestValidator

from .builders import box, classification, detection, dumps


def _entry(line: dict[str, Any]) -> dict[str, Any]:
    entry = ManifestValidator().feed(dumps(line)).entry
    assert entry is not None
    return entry


def _codes(errors: Any) -> list[str]:
    return [error["code"] for error in errors]


def test_a_valid_line_is_stored_unchanged_plus_cl_metadata() -> None:
    line = classification()
    entry = _entry(line)
    assert entry == {**line, "cl-metadata": {"is_labeled": True}}
    assert list(entry) == [*line, "cl-metadata"]


def test_an_unlabeled_line_is_stored_as_not_labeled() -> None:
    assert _entry({"source-ref": "s3://bucket/a.jpg"}) == {
        "source-ref": "s3://bucket/a.jpg",
        "cl-metadata": {"is_labeled": False},
    }


def test_line_errors_sit_at_the_top_level() -> None:
    entry = _entry(detection(boxes=[box()] * 51, objects=[{"confidence": 1}] * 51))
    assert _codes(entry["cl-errors"]) == ["ERROR_TOO_MANY_BOUNDING_BOXES"]


def test_metadata_errors_sit_in_the_metadata_object() -> None:
    entry = _entry(classification(confidence=3))
    assert _codes(entry["animal-metadata"]["cl-errors"]) == ["ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT"]
    assert "cl-errors" not in entry


def test_attribute_errors_sit_in_the_attribute_object() -> None:
    line = detection()
    line["bounding-box"]["image_size"] = {"width": 640, "height": 480, "depth": 3}
    entry = _entry(line)
    assert _codes(entry["bounding-box"]["cl-errors"]) == ["ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT"]


def test_attribute_errors_of_a_number_attribute_sit_in_its_metadata() -> None:
    line = classification()
    line["animal"] = "cat"
    entry = _entry(line)
    assert entry["animal"] == "cat"
    assert _codes(entry["animal-metadata"]["cl-errors"]) == ["ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT"]
    assert entry["animal-metadata"]["cl-errors"][0]["message"] == "The format of the label attribute animal is invalid."


def test_annotation_errors_sit_in_the_annotation() -> None:
    entry = _entry(detection(boxes=[box(), box(left=-3)]))
    first, second = entry["bounding-box"]["annotations"]
    assert "cl-errors" not in first
    assert _codes(second["cl-errors"]) == ["ERROR_INVALID_BOUNDING_BOX"]


def test_warnings_are_not_stored() -> None:
    entry = _entry(detection(boxes=[]))
    assert "cl-errors" not in entry and "cl-errors" not in entry["bounding-box"]


def test_a_reimported_entry_gets_fresh_annotations() -> None:
    # GIVEN an entry as ListDatasetEntries returned it, with errors that no longer apply
    first = _entry(detection(boxes=[box(left=-3), box()]))
    first["bounding-box"]["annotations"][0]["left"] = 3
    first["bounding-box-metadata"]["cl-errors"] = [{"code": "STALE", "message": "stale"}]
    # WHEN it is imported again
    again = ManifestValidator().feed(json.dumps(first))
    # THEN no stale annotation survives, and "cl-metadata" is not taken for a label attribute
    assert again.errors == ()
    assert again.entry == {**detection(boxes=[box(left=3), box()]), "cl-metadata": {"is_labeled": True}}
