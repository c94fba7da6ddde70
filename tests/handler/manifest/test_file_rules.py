"""File-level rules, DatasetStats and label stats of whole manifests."""

from __future__ import annotations

import json
from collections import deque
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.manifest import (
    FILE_ERRORS,
    ManifestValidator,
    compute_stats,
    validate_file,
    validate_lines,
)

from .builders import box, classification, detection, dumps

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_handler.manifest import LineResult


def _lines(*objs: dict[str, Any] | str) -> list[str]:
    return [obj if isinstance(obj, str) else dumps(obj) for obj in objs]


def _codes(issues: Any) -> list[str]:
    return [issue.code for issue in issues]


def _cats_and_dogs(count: int) -> list[str]:
    return _lines(*(classification(key=f"{n}.jpg", label="cat" if n % 2 else "dog") for n in range(count)))


def test_a_clean_classification_manifest() -> None:
    summary = validate_lines(_cats_and_dogs(10))
    assert summary.ok and summary.status_message is None
    assert (summary.file_errors, summary.training_errors, summary.warnings) == ((), (), ())
    assert (summary.total_lines, summary.valid_lines, summary.invalid_lines, summary.ignored_lines) == (10, 10, 0, 0)
    assert summary.stats == {"TotalEntries": 10, "LabeledEntries": 10, "TotalLabels": 2, "ErrorEntries": 0}
    assert summary.label_stats == {"dog": (5, 0), "cat": (5, 0)}
    assert summary.use_case == "IMAGE_LEVEL_LABELS"


def test_empty_manifest(tmp_path: Path) -> None:
    path = tmp_path / "empty.manifest"
    path.write_text("")
    summary = validate_file(path)
    assert _codes(summary.file_errors) == ["ERROR_EMPTY_MANIFEST"]
    assert summary.status_message == "The manifest file is empty."
    assert summary.training_errors == ()


def test_manifest_over_one_gigabyte_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.manifest"
    with path.open("wb") as stream:
        stream.truncate(1024**3 + 1)  # sparse: no gigabyte is written
    summary = validate_file(path)
    assert _codes(summary.file_errors) == ["ERROR_MANIFEST_SIZE_TOO_LARGE"]
    assert summary.total_lines == 0


def test_more_than_250000_lines(tmp_path: Path) -> None:
    # GIVEN a manifest of 250,001 lines, the last one invalid JSON
    path = tmp_path / "rows.manifest"
    with path.open("w") as stream:
        stream.writelines(f'{{"source-ref":"s3://bucket/{n}.jpg"}}\n' for n in range(250_000))
        stream.write("not json\n")
    # WHEN it is validated
    last: deque[LineResult] = deque(maxlen=1)
    summary = validate_file(path, last.append)
    # THEN the row limit fails the import, and the line past the limit is not validated
    assert summary.file_errors[0].code == "ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM"
    assert summary.status_message == "The manifest file has too many rows."
    assert summary.total_lines == 250_001 and summary.invalid_lines == 0
    assert _codes(last[-1].errors) == ["ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM"] and last[-1].terminal


def test_exactly_max_lines_is_accepted() -> None:
    validator = ManifestValidator(max_lines=4)
    for line in _cats_and_dogs(4):
        validator.feed(line)
    assert validator.finish().ok


def test_more_than_250_labels(tmp_path: Path) -> None:
    path = tmp_path / "labels.manifest"
    path.write_text("\n".join(_lines(*(classification(key=f"{n}.jpg", label=f"label-{n}") for n in range(251)))))
    summary = validate_file(path)
    assert _codes(summary.file_errors) == ["ERROR_MANIFEST_TOO_MANY_LABELS"]
    assert summary.stats["TotalLabels"] == 251


def test_250_labels_are_accepted() -> None:
    summary = validate_lines(_lines(*(classification(key=f"{n}.jpg", label=f"label-{n}") for n in range(250))))
    assert summary.ok


def test_images_from_more_than_one_bucket() -> None:
    other = classification(key="x.jpg")
    other["source-ref"] = "s3://another-bucket/x.jpg"
    summary = validate_lines([*_cats_and_dogs(9), dumps(other)])
    assert _codes(summary.file_errors) == ["ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"]
    assert summary.status_message == FILE_ERRORS["ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"]


def test_dropped_lines_do_not_count_towards_the_buckets() -> None:
    summary = validate_lines([*_cats_and_dogs(9), '{"source-ref": "https://another/x.jpg"}'])
    assert summary.ok


@pytest.mark.parametrize(
    ("lines", "training_errors"),
    [
        (_lines(classification(label="cat")), ["ERROR_MANIFEST_TOO_FEW_LABELS"]),
        (_cats_and_dogs(2), []),
        (_lines(detection()), []),
        (_lines(detection(boxes=[])), ["ERROR_MANIFEST_TOO_FEW_LABELS"]),
        (_lines({"source-ref": "s3://bucket/a.jpg"}), ["ERROR_MANIFEST_TOO_FEW_LABELS"]),
    ],
    ids=["one class", "two classes", "one detected class", "no boxes", "unlabeled"],
)
def test_too_few_labels_fails_training_not_the_import(lines: list[str], training_errors: list[str]) -> None:
    summary = validate_lines(lines)
    assert summary.ok
    assert _codes(summary.training_errors) == training_errors


class TestInvalidLineThreshold:
    """ "The 20% invalidity rules apply cumulatively across all validation rules" (validation-rules page)."""

    def test_exactly_20_percent_invalid_is_accepted_with_a_warning(self) -> None:
        summary = validate_lines([*_cats_and_dogs(8), "", dumps(classification(type="x"))])
        assert summary.ok and summary.invalid_lines == 2
        assert _codes(summary.warnings) == ["WARNING_INVALID_LINES"]
        assert summary.warnings[0].message.startswith("2 of 10 JSON Lines are invalid")

    def test_terminal_and_line_errors_add_up_past_20_percent(self) -> None:
        summary = validate_lines([*_cats_and_dogs(7), "", "{", dumps(classification(key="x.jpg", type="x"))])
        assert _codes(summary.file_errors) == ["ERROR_TOO_MANY_RECORDS_IN_ERROR"]
        assert summary.status_message == "The manifest file has too many terminal errors."
        assert summary.warnings == ()

    def test_annotation_errors_and_warnings_do_not_count(self) -> None:
        noisy = [
            dumps(detection(key=f"b{n}.jpg", boxes=[box(), box(left=-1)], class_map={"0": "dog"})) for n in range(5)
        ]
        unlabeled = [json.dumps({"source-ref": f"s3://custom-labels-bucket/u{n}.jpg"}) for n in range(5)]
        summary = validate_lines([*_cats_and_dogs(2), *noisy, *unlabeled])
        assert summary.ok and summary.warnings == ()
        assert (summary.valid_lines, summary.invalid_lines, summary.ignored_lines) == (7, 0, 5)
        assert summary.stats["ErrorEntries"] == 5

    def test_the_threshold_is_configurable(self) -> None:
        validator = ManifestValidator(invalid_threshold=0.0)
        for line in [*_cats_and_dogs(9), ""]:
            validator.feed(line)
        assert _codes(validator.finish().file_errors) == ["ERROR_TOO_MANY_RECORDS_IN_ERROR"]


def test_file_errors_are_ordered_with_the_status_message_first() -> None:
    validator = ManifestValidator(max_lines=3, max_labels=1)
    other = classification(key="o.jpg", label="owl")
    other["source-ref"] = "s3://another-bucket/o.jpg"
    for line in [*_cats_and_dogs(2), dumps(other), "x"]:
        validator.feed(line)
    assert _codes(validator.finish().file_errors) == [
        "ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM",
        "ERROR_MANIFEST_TOO_MANY_LABELS",
        "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS",
    ]


def test_stats_and_label_stats_of_a_mixed_manifest() -> None:
    lines = _lines(
        detection(key="1.jpg", boxes=[box(), box(class_id=1), box(class_id=1)], class_map={"0": "dog", "1": "cat"}),
        detection(key="2.jpg", boxes=[box(), box(left=-1)], class_map={"0": "dog"}),
        classification(key="3.jpg", label="cat"),
        classification(key="4.jpg", label="bird", confidence=7),
        {"source-ref": "s3://custom-labels-bucket/5.jpg"},
        classification(key="3.jpg", label="duplicate"),
        "{broken",
    )
    summary = validate_lines(lines)
    # the duplicate and the broken line are dropped; line 4 is stored with its error, line 5 unlabeled
    assert summary.stats == {"TotalEntries": 5, "LabeledEntries": 4, "TotalLabels": 2, "ErrorEntries": 2}
    # BoundingBoxCount: "the total number of images that have the label assigned to a bounding box" (1.jpg's two
    # cat boxes count once)
    assert summary.label_stats == {"dog": (2, 2), "cat": (2, 1)}
    assert summary.use_case == "NOT_DETERMINED"
    assert (summary.valid_lines, summary.invalid_lines, summary.ignored_lines) == (3, 3, 1)
    assert _codes(summary.sample_errors) == [
        "ERROR_INVALID_BOUNDING_BOX",
        "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT",
        "ERROR_DUPLICATE_SOURCE_REF",
        "ERROR_INVALID_JSON_LINE",
    ]
    assert [issue.line for issue in summary.sample_errors] == [2, 4, 6, 7]


def test_object_localization_use_case() -> None:
    assert validate_lines(_lines(detection(key="a.jpg"), detection(key="b.jpg"))).use_case == "OBJECT_LOCALIZATION"


def test_sample_errors_are_capped_at_20() -> None:
    summary = validate_lines(["{"] * 30)
    assert len(summary.sample_errors) == 20


def test_compute_stats_of_stored_entries_after_an_upsert() -> None:
    # GIVEN the entries of a dataset, keyed by source-ref, and an update that replaces one of them
    stored = {r.source_ref: r for r in map(ManifestValidator().feed, _cats_and_dogs(4))}
    update = ManifestValidator().feed(dumps(detection(key="0.jpg", boxes=[box(), box()], class_map={"0": "fox"})))
    stored[update.source_ref] = update
    # WHEN the stats are computed from the stored entries
    stats, labels = compute_stats(stored.values())
    # THEN they reflect the upsert
    assert stats == {"TotalEntries": 4, "LabeledEntries": 4, "TotalLabels": 3, "ErrorEntries": 0}
    assert labels == {"fox": (1, 1), "cat": (2, 0), "dog": (1, 0)}  # one image with two fox boxes


def test_compute_stats_ignores_terminal_lines() -> None:
    validator = ManifestValidator()
    results = [validator.feed(line) for line in ["", *_cats_and_dogs(1)]]
    assert compute_stats(results)[0]["TotalEntries"] == 1


def test_undecodable_bytes_in_a_file_are_an_invalid_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.manifest"
    good = "\n".join(_cats_and_dogs(9)).encode()
    path.write_bytes(good + b'\n{"source-ref": "s3://custom-labels-bucket/\xff.jpg"}\n')
    results: list[Any] = []
    summary = validate_file(path, results.append)
    assert _codes(results[-1].errors) == ["ERROR_INVALID_JSON_LINE"]
    assert summary.total_lines == 10 and summary.ok


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.manifest"
    path.write_text("\n".join(_cats_and_dogs(2)), encoding="utf-8-sig")
    assert validate_file(path).valid_lines == 2
