"""The developer guide's verbatim manifest examples (reference §3.1, §3.2, §3.4 E)."""

from __future__ import annotations

import pytest

from rekognition_datasets_handler.manifest import ManifestValidator

from .builders import (
    DOC_CLASSIFICATION,
    DOC_CLASSIFICATION_PRETTY,
    DOC_DETECTION,
    DOC_DETECTION_CONSOLE,
    DOC_MULTILABEL_GROUND_TRUTH,
    DOC_TOO_SMALL_BOX,
    DOC_WRONG_TYPE,
    one_line,
)


@pytest.mark.parametrize(
    ("line", "labels", "boxes"),
    [
        (DOC_CLASSIFICATION, {"Echo Dot"}, {}),
        (one_line(DOC_CLASSIFICATION_PRETTY), {"Sunrise"}, {}),
        (DOC_DETECTION, {"Echo", "Echo Dot"}, {"Echo": 1, "Echo Dot": 1}),
        (
            DOC_DETECTION_CONSOLE,
            {"comparator", "pot_resistor", "ir_phototransistor", "ir_led"},
            {"comparator": 1, "pot_resistor": 1, "ir_phototransistor": 1, "ir_led": 1},
        ),
    ],
)
def test_documented_valid_lines_raise_nothing(line: str, labels: set[str], boxes: dict[str, int]) -> None:
    # GIVEN a valid line from the developer guide / WHEN it is validated
    result = ManifestValidator().feed(line)
    # THEN it has no error or warning, and carries exactly its labels and boxes
    assert (result.errors, result.warnings, result.status) == ((), (), "valid")
    assert result.labels == labels
    assert dict(result.bounding_box_counts) == boxes
    assert result.entry is not None and result.entry["cl-metadata"] == {"is_labeled": True}
    assert "cl-errors" not in result.entry


def test_ground_truth_multilabel_output_is_not_accepted() -> None:
    result = ManifestValidator().feed(DOC_MULTILABEL_GROUND_TRUTH)
    assert [(i.code, i.scope) for i in result.errors] == [
        ("ERROR_UNSUPPORTED_USE_CASE_TYPE", "metadata"),
        ("ERROR_NO_VALID_LABEL_ATTRIBUTES", "line"),
    ]
    assert result.status == "invalid" and result.labels == frozenset()


def test_too_small_box_example_is_an_annotation_error_and_the_line_is_kept() -> None:
    result = ManifestValidator().feed(one_line(DOC_TOO_SMALL_BOX))
    [issue] = result.errors
    assert (issue.code, issue.scope, issue.attribute, issue.annotation) == (
        "ERROR_BOUNDING_BOX_TOO_SMALL",
        "annotation",
        "bounding-box",
        0,
    )
    assert issue.message == "The height and width of the bounding box is too small."
    # "If an annotation within a JSON Line has an error, the JSON Line is still used for training"
    assert result.status == "valid"
    assert dict(result.bounding_box_counts) == {"Echo": 1}
    assert result.entry is not None
    annotations = result.entry["bounding-box"]["annotations"]  # type: ignore[index]
    assert annotations[0]["cl-errors"] == [{"code": issue.code, "message": issue.message}]
    assert "cl-errors" not in annotations[1]


def test_unsupported_use_case_type_example_matches_the_documented_dataset_line() -> None:
    # GIVEN the documented dataset line with "type": "groundtruth/wrongtype"
    result = ManifestValidator().feed(one_line(DOC_WRONG_TYPE))
    # THEN the stored entry carries the errors exactly where the documentation shows them
    entry = result.entry
    assert entry is not None
    assert entry["BB-metadata"]["cl-errors"] == [  # type: ignore[index]
        {
            "code": "ERROR_UNSUPPORTED_USE_CASE_TYPE",
            "message": "The use case type of the BB-metadata label attribute metadata is unsupported. "
            "Check the type field.",
        }
    ]
    assert entry["cl-metadata"] == {"is_labeled": True}
    assert entry["cl-errors"] == [
        {"code": "ERROR_NO_VALID_LABEL_ATTRIBUTES", "message": "No valid label attributes found."}
    ]
    assert list(entry)[-2:] == ["cl-metadata", "cl-errors"]
    assert result.is_labeled and result.has_errors
