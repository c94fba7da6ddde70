"""``rekognition-datasets validate``: text and JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.cli.main import main

from .builders import box, classification, detection, dumps

if TYPE_CHECKING:
    from pathlib import Path


def _manifest(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.fixture
def clean(tmp_path: Path) -> str:
    return _manifest(
        tmp_path, "clean.manifest", dumps(classification(key="a.jpg")), dumps(classification("b.jpg", "dog"))
    )


@pytest.fixture
def broken(tmp_path: Path) -> str:
    return _manifest(
        tmp_path,
        "broken.manifest",
        dumps(detection(key="a.jpg", boxes=[box(), box(left=-1)])),
        "{oops",
        dumps({"source-ref": "s3://custom-labels-bucket/c.jpg"}),
    )


def test_clean_manifest_exits_0_with_a_summary(clean: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", clean]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"{clean}: OK: 2 lines (2 valid, 0 invalid, 0 ignored); TotalEntries=2 LabeledEntries=2 TotalLabels=2 "
        "ErrorEntries=0; use case IMAGE_LEVEL_LABELS\n"
    )


def test_errors_are_listed_per_line_and_exit_1(broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", broken]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        f"{broken}:1: ERROR_INVALID_BOUNDING_BOX The bounding box has off frame values. (left=-1 < 0) "
        "[bounding-box.annotations[1]]",
        f"{broken}:2: ERROR_INVALID_JSON_LINE The JSON Line has an invalid format.",
        f"{broken}:3: warning: WARNING_UNANNOTATED_RECORD Record is unannotated.",
    ]
    assert lines[3] == (
        f"{broken}: ERROR_TOO_MANY_RECORDS_IN_ERROR The manifest file has too many terminal errors. "
        "(1 of 3 lines are invalid; more than 20% invalid lines fail the import)"
    )
    assert lines[-1].startswith(f"{broken}: FAILED: 3 lines (1 valid, 1 invalid, 1 ignored); TotalEntries=2 ")


def test_annotation_errors_alone_still_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [dumps(classification(key=f"{n}.jpg", label=f"l{n % 2}")) for n in range(9)]
    path = _manifest(tmp_path, "m.manifest", *lines, dumps(detection(key="x.jpg", boxes=[box(), box(width=0)])))
    assert main(["validate", path]) == 1
    out = capsys.readouterr().out
    assert "ERROR_BOUNDING_BOX_TOO_SMALL" in out
    assert f"{path}: FAILED (imports, with entries in error): 10 lines" in out


def test_json_verdict_agrees_with_the_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a manifest that imports but carries an annotation error (it used to say "ok": true and exit 1)
    lines = [dumps(classification(key=f"{n}.jpg", label=f"l{n % 2}")) for n in range(9)]
    path = _manifest(tmp_path, "m.manifest", *lines, dumps(detection(key="x.jpg", boxes=[box(), box(width=0)])))
    # WHEN validated as JSON / THEN the verdict is not OK, as the exit status says, and "imports" tells the rest
    assert main(["validate", "--json", path]) == 1
    report = json.loads(capsys.readouterr().out)["files"][path]
    assert report["ok"] is False and report["imports"] is True


def test_unpaired_bounding_box_attribute_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The line-error documentation: ERROR_NO_LABEL_ATTRIBUTES when "the bounding-box or bounding-box-metadata key
    # (or both) is missing" (it used to be WARNING_UNANNOTATED_RECORD).
    line = detection(key="a.jpg")
    del line["bounding-box-metadata"]
    path = _manifest(tmp_path, "m.manifest", dumps(line))
    assert main(["validate", "--json", path]) == 1
    report = json.loads(capsys.readouterr().out)["files"][path]
    assert [(e["code"], e.get("line")) for e in report["errors"]][-1] == ("ERROR_NO_LABEL_ATTRIBUTES", 1)
    assert report["warnings"] == []


def test_bounding_box_count_counts_images_not_boxes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ListDatasetLabels: BoundingBoxCount is "the total number of images that have the label assigned to a
    # bounding box"; two images with three boxes of one label between them count 2.
    lines = [dumps(detection(key="a.jpg", boxes=[box(), box()])), dumps(detection(key="b.jpg", boxes=[box()]))]
    path = _manifest(tmp_path, "m.manifest", *lines)
    main(["validate", "--json", path])
    report = json.loads(capsys.readouterr().out)["files"][path]
    assert {label: stats["BoundingBoxCount"] for label, stats in report["label_stats"].items()} == {"dog": 2}


def test_training_only_errors_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _manifest(tmp_path, "one.manifest", dumps(classification()))
    assert main(["validate", path]) == 0
    assert "ERROR_MANIFEST_TOO_FEW_LABELS The manifest file has too few labels. (fails training, not the import)" in (
        capsys.readouterr().out
    )


def test_json_output(clean: str, broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", clean, broken]) == 1
    report = json.loads(capsys.readouterr().out)["files"]
    assert report[clean]["ok"] is True and report[clean]["errors"] == []
    assert report[clean]["label_stats"] == {
        "cat": {"EntryCount": 1, "BoundingBoxCount": 0},
        "dog": {"EntryCount": 1, "BoundingBoxCount": 0},
    }
    assert report[clean]["stats"] == {"TotalEntries": 2, "LabeledEntries": 2, "TotalLabels": 2, "ErrorEntries": 0}
    errors = report[broken]["errors"]
    assert [(e["code"], e["scope"], e.get("line")) for e in errors] == [
        ("ERROR_TOO_MANY_RECORDS_IN_ERROR", "file", None),
        ("ERROR_INVALID_BOUNDING_BOX", "annotation", 1),
        ("ERROR_INVALID_JSON_LINE", "line", 2),
    ]
    assert errors[1]["attribute"] == "bounding-box" and errors[1]["annotation"] == 1
    assert errors[1]["detail"] == "left=-1 < 0"
    assert errors[0]["detail"] == "1 of 3 lines are invalid; more than 20% invalid lines fail the import"
    assert [w["code"] for w in report[broken]["warnings"]] == ["WARNING_UNANNOTATED_RECORD"]
    assert report[broken]["lines"] == {"total": 3, "valid": 1, "invalid": 1, "ignored": 1}
    assert report[broken]["use_case"] == "OBJECT_LOCALIZATION"


def test_unreadable_file_exits_2_with_a_clear_message(
    tmp_path: Path, clean: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.manifest")
    assert main(["validate", missing, clean]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rekognition-datasets validate: cannot read {missing}: No such file or directory\n"
    assert f"{clean}: OK:" in captured.out


def test_a_directory_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_empty_manifest_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _manifest(tmp_path, "empty.manifest")
    assert main(["validate", path]) == 1
    assert f"{path}: ERROR_EMPTY_MANIFEST The manifest file is empty." in capsys.readouterr().out


def test_validate_imports_nothing_heavy() -> None:
    # GIVEN a fresh interpreter / WHEN the validate command is loaded / THEN neither CDK nor boto3 is imported
    probe = (
        "import sys, rekognition_datasets_local.cli.validate; "
        "print(sorted({'aws_cdk', 'boto3', 'botocore'} & set(sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
