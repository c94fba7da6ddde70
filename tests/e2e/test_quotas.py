"""AWS quotas through a real synthesized stack: a 200-image folder's handler policy is over IAM's 6,144 characters."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

import aws_cdk as cdk
import pytest

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project
from rekognition_datasets_local.runner.assembly import CloudAssembly
from rekognition_datasets_local.runner.engine import StackFailed

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e


def png(index: int) -> bytes:
    """A distinct 1x1 RGB PNG (its colour encodes ``index``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = b"\x00" + index.to_bytes(3, "big")
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b"")


def image_folder(root: Path, count: int) -> Path:
    for i in range(count):
        label = root / ("cat" if i % 2 else "dog")
        label.mkdir(parents=True, exist_ok=True)
        (label / f"{i}.png").write_bytes(png(i))
    return root


def synth_image_folder_stack(folder: Path, outdir: Path) -> CloudAssembly:
    """One project, a TRAIN dataset from the folder, an empty TEST and a split (the issue's measured stack)."""
    app = cdk.App(outdir=str(outdir), context={"builtin_cloud_formation_validation": False})
    stack = cdk.Stack(app, "ImageFolder")
    project = Project(stack, "Project", project_name="e2e-image-folder")
    training = Dataset(stack, "Training", project=project, source=DatasetSource.from_image_folder(folder))
    testing = Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    DatasetDistribution(stack, "Split", training=training, testing=testing)
    app.synth()
    return CloudAssembly.read(outdir)


def test_a_200_image_folder_is_refused_offline_for_its_managed_policy_size(runner: Session, tmp_path: Path) -> None:
    # GIVEN the stack of issue 12's table, synthesized with 200 images
    assembly = synth_image_folder_stack(image_folder(tmp_path / "images", 200), tmp_path / "cdk.out")
    (stack,) = assembly.stacks
    # WHEN it is deployed offline
    with pytest.raises(StackFailed) as failed:
        runner.deploy(stack)
    # THEN a managed policy fails as IAM refuses it, the measured size named, and the stack rolled back
    refused = {lid: r for lid, r in failed.value.failures.items() if "PolicySize" in r}
    assert refused, failed.value.failures
    ((logical_id, reason),) = refused.items()
    assert reason.startswith("Cannot exceed quota for PolicySize: 6144")
    assert "IAM managed policy size" in reason and "limit 6,144" in reason
    assert stack.template().body["Resources"][logical_id]["Type"] == "AWS::IAM::ManagedPolicy"
    assert failed.value.status == "ROLLBACK_COMPLETE"
    assert runner.engine.store.load(stack.stack_name) is None
