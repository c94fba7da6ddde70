"""Scenarios 6 and 16: entries over 5 MiB in chunks; 50 datasets in 25 projects in one run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import deploy, ok_calls

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


def test_6_inline_entries_over_5_mib_are_applied_in_chunks_under_the_limit(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    state = deploy(runner, assembly, "BigEntries")
    (dataset,) = (r for r in state.resources.values() if r.type == "Custom::RekognitionDataset")
    chunks = [p["Changes"]["GroundTruth"]["size"] for p in ok_calls(emulator, "UpdateDatasetEntries")]
    assert len(chunks) >= 2 and sum(chunks) > 5 * MIB
    assert all(size <= 5 * MIB for size in chunks)
    arn = str(dataset.attributes["DatasetArn"])
    stats = runner.clients.rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"]
    assert stats["TotalEntries"] == stats["LabeledEntries"] == 18000


def test_16_fifty_datasets_in_25_projects_deploy_and_destroy(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    state = deploy(runner, assembly, "Many")
    rekognition = runner.clients.rekognition
    projects = [
        p for page in rekognition.get_paginator("describe_projects").paginate() for p in page["ProjectDescriptions"]
    ]
    assert len(projects) == 25
    assert sorted(len(p["Datasets"]) for p in projects) == [2] * 25
    assert len([r for r in state.resources.values() if r.type == "Custom::RekognitionDataset"]) == 50
    assert len(ok_calls(emulator, "CreateDataset")) == 50
    assert runner.engine.destroy("Many")
    assert rekognition.describe_projects()["ProjectDescriptions"] == []
    assert len(ok_calls(emulator, "DeleteDataset")) == 50
