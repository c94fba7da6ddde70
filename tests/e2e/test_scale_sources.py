"""Datasets at scale through ``rekognition-datasets deploy``/``destroy``: a 1,000-image folder and an S3 prefix."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_s3 as s3
from bench.b8_scale import LABELS, tiny_png, write_images

from rekognition_datasets import Dataset, DatasetSource, DatasetType, Project
from rekognition_datasets_local.cli.main import main

from .conftest import ok_calls

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator

pytestmark = pytest.mark.e2e

IMAGES_BUCKET = "e2e-scale-images"


def _synth(outdir: Path, name: str, source: Callable[[cdk.Stack], DatasetSource]) -> Path:
    app = cdk.App(outdir=str(outdir), context={"builtin_cloud_formation_validation": False})
    stack = cdk.Stack(app, name)
    project = Project(stack, "Project")
    Dataset(stack, "Training", project=project, source=source(stack))
    Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    app.synth()
    return outdir


def _deploy_check_destroy(assembly: Path, name: str, images: int, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--assembly", str(assembly), "--interval-factor", "0.001"]
    assert main(["deploy", *args, name]) == 0, capsys.readouterr().err[-2000:]
    rekognition = boto3.client("rekognition")
    (project,) = rekognition.describe_projects()["ProjectDescriptions"]
    (train,) = (d for d in project["Datasets"] if d["DatasetType"] == "TRAIN")
    stats = rekognition.describe_dataset(DatasetArn=train["DatasetArn"])["DatasetDescription"]["DatasetStats"]
    assert stats["TotalEntries"] == stats["LabeledEntries"] == images
    assert stats["TotalLabels"] == len(LABELS)
    assert main(["destroy", *args, name]) == 0
    assert rekognition.describe_projects()["ProjectDescriptions"] == []


def test_a_1000_image_folder_deploys_and_destroys_offline(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_images(tmp_path / "images", 1_000)
    assembly = _synth(tmp_path / "cdk.out", "FolderScale", lambda _: DatasetSource.from_image_folder(folder))
    _deploy_check_destroy(assembly, "FolderScale", 1_000, capsys)
    assert len(ok_calls(emulator, "CreateDataset")) == 2


@pytest.mark.parametrize(
    "objects",
    [
        1_200,  # two pages of ListObjectsV2 (1,000 keys each): the handler pages across polls
        pytest.param(100_000, marks=pytest.mark.soak),
    ],
)
def test_an_s3_prefix_over_several_list_pages_deploys_and_destroys_offline(
    objects: int, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put_objects(IMAGES_BUCKET, ((f"photos/{LABELS[i % 2]}/{i}.png", tiny_png(i)) for i in range(objects)))

    def source(stack: cdk.Stack) -> DatasetSource:
        return DatasetSource.from_bucket_prefix(s3.Bucket.from_bucket_name(stack, "Images", IMAGES_BUCKET), "photos/")

    assembly = _synth(tmp_path / "cdk.out", "PrefixScale", source)
    emulator.s3_log.clear()
    _deploy_check_destroy(assembly, "PrefixScale", objects, capsys)
    # One ListObjectsV2 page per 1,000 objects, whatever the number of polls it took.
    pages = [e for e in emulator.s3_log.entries("ListObjectsV2") if e.params.get("Prefix") == "photos/"]
    assert len(pages) == math.ceil(objects / 1_000)
