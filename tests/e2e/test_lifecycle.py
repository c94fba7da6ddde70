"""Scenarios 1-3: create, change the manifest, move a dataset: synth -> runner -> handler -> emulator."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .conftest import deploy, ok_calls
from .e2e_app import V1, labelled

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e


def entries(rekognition: RekognitionClient, arn: str) -> dict[str, set[str]]:
    """source-ref -> labels of every entry of a dataset."""
    found: dict[str, set[str]] = {}
    for page in rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn):
        for text in page["DatasetEntries"]:
            entry = json.loads(text)
            found[entry["source-ref"]] = {k for k in entry if not k.endswith("-metadata") and "-" not in k}
    return found


def datasets(rekognition: RekognitionClient, project: str) -> dict[str, str]:
    """DatasetType -> ARN of the project's datasets."""
    (description,) = rekognition.describe_projects(ProjectNames=[project])["ProjectDescriptions"]
    return {d["DatasetType"]: d["DatasetArn"] for d in description.get("Datasets", [])}


def test_1_project_train_manifest_empty_test_and_split(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # WHEN the stack (project, TRAIN from a 20-image manifest, empty TEST, distribution) is deployed
    state = deploy(runner, assembly, "Lifecycle")
    # THEN everything is ready and about 20% of the 20 entries moved to the test dataset
    rekognition = runner.clients.rekognition
    arns = datasets(rekognition, "e2e-lifecycle")
    train, test = entries(rekognition, arns["TRAIN"]), entries(rekognition, arns["TEST"])
    assert set(train) | set(test) == {str(x["source-ref"]) for x in labelled(V1)}
    assert not set(train) & set(test) and 3 <= len(test) <= 5
    for arn, content in ((arns["TRAIN"], train), (arns["TEST"], test)):
        description = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
        assert description["Status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
        stats = description["DatasetStats"]
        assert stats["TotalEntries"] == stats["LabeledEntries"] == len(content)
        assert stats["TotalLabels"] == len(set().union(*content.values())) == 2
        assert stats["ErrorEntries"] == 0
    # AND the distribution's attributes agree with the service; the split was asked for exactly once
    (split,) = (r for r in state.resources.values() if r.type == "Custom::RekognitionDatasetDistribution")
    assert split.attributes["TestingEntries"] == str(len(test))
    assert len(ok_calls(emulator, "DistributeDatasetEntries")) == 1
    assert len(ok_calls(emulator, "CreateDataset")) == 2


def test_2_changed_manifest_rebuilds_and_resplits_with_nothing_orphaned(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    deploy(runner, assembly, "Lifecycle")
    before = datasets(runner.clients.rekognition, "e2e-lifecycle")
    # WHEN the manifest changes (30 images, a third label) and the stack is redeployed
    state = deploy(runner, assembly, "LifecycleV2")
    assert state.status == "UPDATE_COMPLETE"
    # THEN train + test hold exactly the new manifest, re-split, without overlap
    rekognition = runner.clients.rekognition
    arns = datasets(rekognition, "e2e-lifecycle")
    train, test = entries(rekognition, arns["TRAIN"]), entries(rekognition, arns["TEST"])
    assert len(train) + len(test) == 30 and 4 <= len(test) <= 8
    assert not set(train) & set(test)
    assert (any("daisy" in ref for ref in train) and any("daisy" in ref for ref in test)) or len(test) < 6
    # AND the project holds exactly one dataset per type: whatever was replaced was deleted
    assert set(arns) == {"TRAIN", "TEST"}
    deleted = {p["DatasetArn"] for p in ok_calls(emulator, "DeleteDataset")}
    assert deleted == {arn for arn in before.values() if arn not in arns.values()}
    assert len(ok_calls(emulator, "DistributeDatasetEntries")) == 2


def test_3_changing_type_or_project_replaces_despite_one_dataset_per_type(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    first = deploy(runner, assembly, "Moves")
    rekognition = runner.clients.rekognition
    assert set(datasets(rekognition, "e2e-moves-a")) == {"TRAIN"}
    # WHEN Mover moves from project A to B and Typed turns from TRAIN into TEST in project C
    state = deploy(runner, assembly, "MovesV2")
    # THEN both replacements succeeded and the old datasets are gone
    assert state.status == "UPDATE_COMPLETE"
    assert datasets(rekognition, "e2e-moves-a") == {}
    assert set(datasets(rekognition, "e2e-moves-b")) == {"TRAIN"}
    assert set(datasets(rekognition, "e2e-moves-c")) == {"TEST"}
    for logical_id in ("Mover", "Typed"):
        (old,) = (r for lid, r in first.resources.items() if lid.startswith(logical_id))
        assert state.resources[old.logical_id].physical_id != old.physical_id
    assert len(ok_calls(emulator, "DeleteDataset")) == 2


def test_removing_the_split_restores_both_datasets_and_adding_it_back_splits_all_entries(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    declared = {str(x["source-ref"]) for x in labelled(V1)}
    rekognition = runner.clients.rekognition

    def contents() -> tuple[set[str], set[str]]:
        arns = datasets(rekognition, "e2e-lifecycle")
        return set(entries(rekognition, arns["TRAIN"])), set(entries(rekognition, arns["TEST"]))

    # GIVEN the 20 training entries split 16 + 4
    deploy(runner, assembly, "Lifecycle")
    train, test = contents()
    assert train | test == declared and not train & test and 3 <= len(test) <= 5
    # WHEN the distribution is removed (the training source unchanged)
    state = deploy(runner, assembly, "LifecycleUnsplit")
    # THEN TRAIN holds all 20 declared entries and TEST its own declaration: empty
    assert state.status == "UPDATE_COMPLETE"
    assert contents() == (declared, set())
    # WHEN the distribution is added back
    deploy(runner, assembly, "Lifecycle")
    # THEN the whole source is split again, without overlap
    train, test = contents()
    assert train | test == declared and not train & test and 3 <= len(test) <= 5
    assert len(ok_calls(emulator, "DistributeDatasetEntries")) == 2
