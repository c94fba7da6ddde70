"""Every per-line code of the catalogue, at its scope, and the documented precedence."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.manifest import LINE_ERRORS, WARNINGS, ManifestValidator, message_for

from .builders import BUCKET, box, classification, detection, dumps

if TYPE_CHECKING:
    from rekognition_datasets_handler.manifest.issues import LineResult

LONG_NAME = "x" * 257


def _with(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``obj`` with the value at a dotted path (list indexes as numbers) replaced; ``...`` deletes it."""
    *parents, last = path.split(".")
    target: Any = obj
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return obj


def _feed(line: str | dict[str, Any]) -> LineResult:
    return ManifestValidator().feed(line if isinstance(line, str) else dumps(line))


def _found(result: LineResult) -> list[tuple[str, str]]:
    return [(issue.code, issue.scope) for issue in (*result.errors, *result.warnings)]


TERMINAL = [
    ("missing source-ref", _with(classification(), "source-ref", ...), "ERROR_MISSING_SOURCE_REF"),
    ("misspelt source-ref", {"source_ref": f"s3://{BUCKET}/a.jpg"}, "ERROR_MISSING_SOURCE_REF"),
    (
        "https source-ref",
        _with(classification(), "source-ref", "https://bucket/a.jpg"),
        "ERROR_INVALID_SOURCE_REF_FORMAT",
    ),
    ("number source-ref", _with(classification(), "source-ref", 7), "ERROR_INVALID_SOURCE_REF_FORMAT"),
    (
        "folder source-ref",
        _with(classification(), "source-ref", f"s3://{BUCKET}/images/"),
        "ERROR_INVALID_SOURCE_REF_FORMAT",
    ),
    ("no key", _with(classification(), "source-ref", f"s3://{BUCKET}"), "ERROR_INVALID_SOURCE_REF_FORMAT"),
    ("bad bucket", _with(classification(), "source-ref", "s3://b/a.jpg"), "ERROR_INVALID_SOURCE_REF_FORMAT"),
    ("blank line", "", "ERROR_INVALID_JSON_LINE"),
    ("whitespace line", "   \t", "ERROR_INVALID_JSON_LINE"),
    ("truncated JSON", dumps(classification())[:-1], "ERROR_INVALID_JSON_LINE"),
    ("JSON array", "[1, 2]", "ERROR_INVALID_JSON_LINE"),
    ("JSON null", "null", "ERROR_INVALID_JSON_LINE"),
    ("NaN is not JSON", '{"source-ref": "s3://bucket/a.jpg", "x": NaN}', "ERROR_INVALID_JSON_LINE"),
    ("undecodable bytes", '{"source-ref": "s3://bucket/\udcff.jpg"}', "ERROR_INVALID_JSON_LINE"),
    ("deep nesting", "[" * 100_000, "ERROR_INVALID_JSON_LINE"),
    ("over 100,000 characters", dumps(classification(job_name="j" * 100_000)), "ERROR_JSON_LINE_TOO_LONG"),
]


@pytest.mark.parametrize(("line", "code"), [case[1:] for case in TERMINAL], ids=[case[0] for case in TERMINAL])
def test_terminal_content_errors_drop_the_line(line: str | dict[str, Any], code: str) -> None:
    result = _feed(line)
    assert _found(result) == [(code, "line")]
    assert result.terminal and result.entry is None and result.status == "invalid"
    assert result.errors[0].line == 1 and result.errors[0].message == LINE_ERRORS[code]


def test_a_line_of_exactly_100000_characters_is_accepted() -> None:
    base = dumps(classification(job_name=""))
    line = dumps(classification(job_name="j" * (100_000 - len(base))))
    assert len(line) == 100_000
    assert _feed(line).status == "valid"


def test_duplicate_source_ref_drops_the_later_line_only() -> None:
    validator = ManifestValidator()
    first = validator.feed(dumps(classification(label="cat")))
    second = validator.feed(dumps(classification(label="dog")) + "\n")
    assert first.status == "valid"
    assert second.terminal and _found(second) == [("ERROR_DUPLICATE_SOURCE_REF", "line")]
    assert second.source_ref == first.source_ref


CONTENT = [
    # label attribute pairs
    ("metadata without attribute", _with(classification(), "animal", ...), [("ERROR_NO_LABEL_ATTRIBUTES", "line")]),
    (
        "classification value not an integer",
        _with(classification(), "animal", "cat"),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "classification value boolean",
        _with(classification(), "animal", True),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "metadata not an object",
        _with(classification(), "animal-metadata", "cat"),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "metadata without type",
        classification(type=None),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "missing class-name",
        classification(class_name=None),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "empty class-name",
        classification(class_name=" "),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "confidence above 1",
        classification(confidence=2),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "missing confidence",
        classification(confidence=None),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "human-annotated maybe",
        classification(human_annotated="maybe"),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "creation-date not a date",
        classification(creation_date="yesterday"),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "job-name not a string",
        classification(job_name=3),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "label name of 257 characters",
        classification(label=LONG_NAME),
        [("ERROR_INVALID_LABEL_NAME_LENGTH", "metadata"), ("ERROR_NO_VALID_LABEL_ATTRIBUTES", "line")],
    ),
    (
        "unsupported type",
        classification(type="groundtruth/semantic-segmentation"),
        [("ERROR_UNSUPPORTED_USE_CASE_TYPE", "metadata"), ("ERROR_NO_VALID_LABEL_ATTRIBUTES", "line")],
    ),
    ("source-ref only", {"source-ref": f"s3://{BUCKET}/a.jpg"}, [("WARNING_UNANNOTATED_RECORD", "line")]),
    (
        "extra keys only",
        {"source-ref": f"s3://{BUCKET}/a.jpg", "label-names": ["a"]},
        [("WARNING_UNANNOTATED_RECORD", "line")],
    ),
    # object localization
    (
        "image_size as an object",
        _with(detection(), "bounding-box.image_size", {"width": 640, "height": 480, "depth": 3}),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "image_size missing",
        _with(detection(), "bounding-box.image_size", ...),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "depth missing",
        _with(detection(), "bounding-box.image_size.0.depth", ...),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "annotation without top",
        _with(detection(), "bounding-box.annotations.0.top", ...),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "class_id as a string",
        _with(detection(), "bounding-box.annotations.0.class_id", "0"),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "annotations not a list",
        _with(detection(), "bounding-box.annotations", {}),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute")],
    ),
    (
        "class-map missing",
        _with(detection(), "bounding-box-metadata.class-map", ...),
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "class-map label not a string",
        detection(class_map={"0": 3}),  # type: ignore[dict-item]
        [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")],
    ),
    (
        "objects shorter than annotations",
        detection(objects=[]),
        [("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE", "metadata")],
    ),
    ("object without confidence", detection(objects=[{}]), [("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE", "metadata")]),
    ("class_id not in class-map", detection(boxes=[box(class_id=5)]), [("ERROR_MISSING_CLASS_MAP_ID", "annotation")]),
    ("image narrower than 64 px", detection(size=(63, 480)), [("ERROR_INVALID_IMAGE_DIMENSION", "line")]),
    ("image taller than 4096 px", detection(size=(640, 4097)), [("ERROR_INVALID_IMAGE_DIMENSION", "line")]),
    ("negative left", detection(boxes=[box(left=-1), box()]), [("ERROR_INVALID_BOUNDING_BOX", "annotation")]),
    (
        "box past the right edge",
        detection(boxes=[box(left=600, width=41), box()]),
        [("ERROR_INVALID_BOUNDING_BOX", "annotation")],
    ),
    ("1 px wide box", detection(boxes=[box(width=1), box()]), [("ERROR_BOUNDING_BOX_TOO_SMALL", "annotation")]),
    (
        "2 px box in a 2560 px image",
        detection(size=(2560, 1000), boxes=[box(width=2, height=2), box()]),
        [("ERROR_BOUNDING_BOX_TOO_SMALL", "annotation")],
    ),
    (
        "no valid annotations",
        detection(boxes=[box(left=-1), box(width=0)]),
        [
            ("ERROR_INVALID_BOUNDING_BOX", "annotation"),
            ("ERROR_BOUNDING_BOX_TOO_SMALL", "annotation"),
            ("ERROR_NO_VALID_ANNOTATIONS", "line"),
        ],
    ),
    ("51 boxes", detection(boxes=[box()] * 51), [("ERROR_TOO_MANY_BOUNDING_BOXES", "line")]),
    (
        "class name of 257 characters",
        detection(class_map={"0": LONG_NAME}),
        [("ERROR_INVALID_LABEL_NAME_LENGTH", "metadata"), ("ERROR_NO_VALID_ANNOTATIONS", "line")],
    ),
    (
        "no boxes, human-annotated",
        detection(boxes=[]),
        [("WARNING_NO_ATTRIBUTE_ANNOTATIONS", "attribute"), ("WARNING_NO_ANNOTATIONS", "line")],
    ),
    (
        "annotations absent",
        _with(detection(boxes=[]), "bounding-box.annotations", ...),
        [("WARNING_NO_ATTRIBUTE_ANNOTATIONS", "attribute"), ("WARNING_NO_ANNOTATIONS", "line")],
    ),
    (
        "no boxes, machine-annotated",
        detection(boxes=[], human_annotated="no"),
        [("WARNING_NO_ATTRIBUTE_ANNOTATIONS", "attribute"), ("WARNING_UNANNOTATED_RECORD", "line")],
    ),
]


@pytest.mark.parametrize(("line", "expected"), [case[1:] for case in CONTENT], ids=[case[0] for case in CONTENT])
def test_content_rules(line: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    result = _feed(line)
    assert not result.terminal
    assert sorted(_found(result)) == sorted(expected)
    for issue in (*result.errors, *result.warnings):
        assert issue.message == message_for(issue.code, attribute=issue.attribute or "")
        assert issue.line == 1
        assert (issue.attribute is not None) == (issue.scope != "line")


def test_every_line_code_of_the_catalogue_is_exercised() -> None:
    exercised = {case[2] for case in TERMINAL} | {"ERROR_DUPLICATE_SOURCE_REF"}
    exercised |= {code for case in CONTENT for code, _ in case[2]}
    file_scope = {"WARNING_INVALID_LINES"}
    needs_the_image = {"ERROR_INVALID_IMAGE"}
    assert (set(LINE_ERRORS) - needs_the_image) | (set(WARNINGS) - file_scope) <= exercised


@pytest.mark.parametrize(
    ("line", "status"),
    [
        (classification(label="x" * 256), "valid"),
        (detection(boxes=[box()] * 50, objects=[{"confidence": 1}] * 50), "valid"),
        (detection(size=(64, 4096), boxes=[box(width=50, height=50)]), "valid"),
        (detection(size=(2560, 1000), boxes=[box(width=3, height=3)]), "valid"),
        (detection(boxes=[box(left=540, top=380, width=100, height=100)]), "valid"),
        (classification(creation_date="2020-04-15T20:17:23.433061"), "valid"),
        (classification(job_name=None), "valid"),
    ],
)
def test_boundaries_that_are_accepted(line: dict[str, Any], status: str) -> None:
    result = _feed(line)
    assert (result.errors, result.status) == ((), status)


def test_multi_label_classification_carries_every_label() -> None:
    line = classification(label="football", attribute="sport0") | {
        k: v for k, v in classification(label="ball", attribute="sport1").items() if k != "source-ref"
    }
    result = _feed(line)
    assert result.labels == result.image_level_labels == {"football", "ball"}
    assert result.bounding_box_labels == frozenset()


def test_mixed_line_carries_image_level_and_box_labels() -> None:
    line = detection(class_map={"0": "dog"}) | {
        k: v for k, v in classification(label="dog").items() if k != "source-ref"
    }
    result = _feed(line)
    assert result.status == "valid"
    assert result.labels == {"dog"} and result.bounding_box_labels == {"dog"}
    assert dict(result.bounding_box_counts) == {"dog": 1}


def test_unsupported_attribute_beside_a_valid_one_keeps_the_line() -> None:
    line = classification(label="cat") | {
        k: v for k, v in classification(attribute="other", type="groundtruth/other").items() if k != "source-ref"
    }
    result = _feed(line)
    assert _found(result) == [("ERROR_UNSUPPORTED_USE_CASE_TYPE", "metadata")]
    assert result.status == "valid" and result.labels == {"cat"} and result.has_errors


def test_empty_detection_attribute_beside_a_valid_one_warns_only_at_attribute_scope() -> None:
    line = classification(label="cat") | {k: v for k, v in detection(boxes=[]).items() if k != "source-ref"}
    result = _feed(line)
    assert _found(result) == [("WARNING_NO_ATTRIBUTE_ANNOTATIONS", "attribute")]
    assert result.status == "valid"


class TestPrecedence:
    """First-detected errors stop validation of the line (tm-debugging-fixing-validation-errors.md)."""

    def test_format_error_hides_content_errors_of_other_attributes(self) -> None:
        line = detection(boxes=[box(width=1)], attribute="boxes") | {
            k: v for k, v in classification(confidence=5).items() if k != "source-ref"
        }
        result = _feed(line)
        assert _found(result) == [("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata")]
        assert result.status == "invalid" and result.labels == frozenset()

    def test_missing_class_map_id_hides_box_errors(self) -> None:
        result = _feed(detection(boxes=[box(class_id=3), box(left=-5)]))
        assert _found(result) == [("ERROR_MISSING_CLASS_MAP_ID", "annotation")]
        assert result.errors[0].annotation == 0

    def test_format_errors_of_several_attributes_are_all_reported(self) -> None:
        line = _with(classification(attribute="a"), "a", "x") | {
            k: v for k, v in detection(objects=[], attribute="b").items() if k != "source-ref"
        }
        result = _feed(line)
        assert _found(result) == [
            ("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute"),
            ("ERROR_MISSING_BOUNDING_BOX_CONFIDENCE", "metadata"),
        ]

    def test_attribute_and_metadata_format_errors_of_one_pair_are_both_reported(self) -> None:
        result = _feed(_with(classification(confidence=9), "animal", "x"))
        assert _found(result) == [
            ("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "attribute"),
            ("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "metadata"),
        ]

    def test_source_ref_errors_come_before_label_errors(self) -> None:
        result = _feed(_with(classification(confidence=9), "source-ref", ...))
        assert _found(result) == [("ERROR_MISSING_SOURCE_REF", "line")]

    def test_unsupported_type_does_not_stop_validation(self) -> None:
        line = detection(boxes=[box(width=1), box()]) | {
            k: v for k, v in classification(type="groundtruth/x").items() if k != "source-ref"
        }
        assert sorted(_found(_feed(line))) == [
            ("ERROR_BOUNDING_BOX_TOO_SMALL", "annotation"),
            ("ERROR_UNSUPPORTED_USE_CASE_TYPE", "metadata"),
        ]


def test_trailing_newlines_are_not_part_of_the_line() -> None:
    text = json.dumps(classification())
    assert _feed(text + "\r\n").status == _feed(text + "\n").status == "valid"
