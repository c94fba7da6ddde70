"""Pure helpers: folder labelling, referenced image locations, and cdk-nag finding names."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets import images
from rekognition_datasets.nag import _flatten
from rekognition_datasets_handler.manifest import GENERATED_CREATION_DATE

if TYPE_CHECKING:
    from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n" + b"rest"
JPEG = b"\xff\xd8\xff\xe0" + b"rest"


def test_scan_labels_by_immediate_child_folder(tmp_path: Path) -> None:
    for relative, content in {
        "top.png": PNG,
        "echo/a.PNG": PNG,
        "echo-dot/b.jpg": JPEG,
        "echo-dot/white/c.jpeg": JPEG,
        "echo/readme.md": b"text",
        ".git/x.png": b"not scanned",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(content)
    scan = images.scan_image_folder(tmp_path)
    assert [(image.relative, image.label) for image in scan.images] == [
        ("echo/a.PNG", "echo"),
        ("echo-dot/b.jpg", "echo-dot"),
        ("echo-dot/white/c.jpeg", "echo-dot"),
        ("top.png", None),
    ]
    assert scan.skipped == ["echo/readme.md"]


def test_jpeg_named_png_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(JPEG)
    with pytest.raises(ValueError, match="content is not one"):
        images.scan_image_folder(tmp_path)


def test_classification_line_in_console_format() -> None:
    entry = json.loads(images.classification_line("abc.png", ["cat", "indoor"]))
    assert entry["source-ref"] == "s3://rekognition-datasets-image-bucket/abc.png"
    assert entry["cat"] == 1
    assert entry["indoor-metadata"] == {
        "confidence": 1,
        "job-name": "labeling-job/indoor",
        "class-name": "indoor",
        "human-annotated": "yes",
        "creation-date": GENERATED_CREATION_DATE,
        "type": "groundtruth/image-classification",
    }
    assert json.loads(images.classification_line("u.png", [])) == {
        "source-ref": "s3://rekognition-datasets-image-bucket/u.png"
    }


def test_referenced_locations_use_the_common_folder_per_bucket() -> None:
    lines = [
        '{"source-ref": "s3://one/photos/2024/a/1.png"}',
        '{"source-ref": "s3://one/photos/2024/b/2.png"}',
        '{"source-ref": "s3://two/x.png"}',
        '{"source-ref": "s3://three/deep/only.png"}',
        "not json",
        '{"source-ref": "https://elsewhere/x.png"}',
        "[1, 2]",
    ]
    assert images.referenced_locations(lines) == {"one": "photos/2024/", "three": "deep/", "two": ""}


@pytest.mark.parametrize(
    ("resolved", "flat"),
    [
        ("*", "*"),
        ({"Fn::GetAtt": ["Fn1", "Arn"]}, "<Fn1.Arn>"),
        ({"Ref": "Bucket"}, "<Bucket>"),
        ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b/*"]]}, "arn:<AWS::Partition>:s3:::b/*"),
        ({"Fn::Sub": "cdk-${AWS::AccountId}"}, "cdk-<AWS::AccountId>"),
        ({"Fn::Select": [0, ["a"]]}, '{"Fn::Select":[0,["a"]]}'),
    ],
)
def test_flatten_matches_cdk_nag_finding_names(resolved: object, flat: str) -> None:
    assert _flatten(resolved) == flat
