"""Scenarios 5, 10 and 13: terminal errors and rollbacks that leave nothing behind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.summary import dataset_rows

from .conftest import deploy, ok_calls
from .e2e_app import MANIFEST_BUCKET, labelled, line

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

    from .conftest import HookPrinter, Ticker

pytestmark = pytest.mark.e2e


def put_manifest(runner: Session, key: str, lines: list[dict[str, object] | str]) -> None:
    import json

    s3 = runner.clients.s3
    s3.create_bucket(Bucket=MANIFEST_BUCKET)
    body = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    s3.put_object(Bucket=MANIFEST_BUCKET, Key=key, Body=body.encode())


def assert_nothing_left(runner: Session, stack: str) -> None:
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []
    assert runner.engine.store.load(stack) is None


def test_5_terminal_manifest_error_fails_with_the_service_message_and_rolls_back(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN a manifest whose images live in two buckets (a terminal error of the whole import)
    other = [{**x, "source-ref": str(x["source-ref"]).replace("e2e-images", "elsewhere")} for x in labelled({"b": 3})]
    put_manifest(runner, "bad.manifest", [*labelled({"a": 3}), *other])
    # WHEN it is deployed
    with pytest.raises(StackFailed) as failed:
        deploy(runner, assembly, "BadManifest")
    # THEN the deploy fails with the service's message, and the rollback deleted the dataset and the project
    assert failed.value.status == "ROLLBACK_COMPLETE"
    (reason,) = failed.value.failures.values()
    assert "multiple S3 buckets" in reason
    assert_nothing_left(runner, "BadManifest")
    assert len(ok_calls(emulator, "CreateDataset")) == 1
    assert len(ok_calls(emulator, "DeleteDataset")) == 1
    assert len(ok_calls(emulator, "DeleteProject")) == 1


def test_13_error_entries_above_the_maximum_fail_with_the_entry_codes(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    broken = [{**line(f"broken-{i}", "rose"), "rose": "not-a-number"} for i in range(4)]
    put_manifest(runner, "errors.manifest", [*labelled({"rose": 20, "tulip": 20}), *broken])
    with pytest.raises(StackFailed) as failed:
        deploy(runner, assembly, "MaxErrors")
    (reason,) = failed.value.failures.values()
    assert "4 entries with errors (MaxErrorEntries 2)" in reason
    assert "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT" in reason
    assert_nothing_left(runner, "MaxErrors")
    assert len(ok_calls(emulator, "DeleteDataset")) == 1


def test_10_rollback_delete_while_create_in_progress_waits_and_deletes(
    runner: Session, assembly: CloudAssembly, emulator: Emulator, ticker: Ticker
) -> None:
    # GIVEN creating a dataset takes 30 s of service time, and its sibling fails at once (missing manifest)
    emulator.configure(dataset_create_delay=30.0)
    printer: HookPrinter = runner.printer  # type: ignore[assignment]
    seen: list[str] = []

    def at_rollback_delete() -> None:
        # the rollback Delete arrives while the dataset is still being created; from now on service time passes
        arns = [p.get("ProjectArn") for p in ok_calls(emulator, "CreateDataset")]
        (project,) = runner.clients.rekognition.describe_projects(ProjectNames=["e2e-race"])["ProjectDescriptions"]
        for dataset in project["Datasets"]:
            seen.append(dataset["Status"])
        assert arns
        ticker.start()

    printer.hooks[(slow_id(assembly), "DELETE_IN_PROGRESS")] = at_rollback_delete
    # WHEN the stack is deployed
    with pytest.raises(StackFailed) as failed:
        deploy(runner, assembly, "Race")
    # THEN the slow create was cancelled, its rollback Delete (a made-up id) waited and deleted the dataset
    assert failed.value.status == "ROLLBACK_COMPLETE"
    assert failed.value.failures[slow_id(assembly)] == "Resource creation cancelled"
    assert seen == ["CREATE_IN_PROGRESS"]
    assert_nothing_left(runner, "Race")
    assert len(ok_calls(emulator, "DeleteDataset")) == 1


def slow_id(assembly: CloudAssembly) -> str:
    (stack,) = [s for s in assembly.stacks if s.artifact_id == "Race"]
    return next(lid for lid in stack.template().resources if lid.startswith("Slow"))


def test_a_mistyped_manifest_key_fails_the_update_and_the_rollback_keeps_the_dataset(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN a dataset built from good.manifest (20 images)
    put_manifest(runner, "good.manifest", labelled({"rose": 10, "tulip": 10}))
    deploy(runner, assembly, "Typo")
    ((arn, before),) = dataset_totals(runner, "e2e-typo").items()
    assert before == 20
    # AND the old manifest is removed (a common clean-up) before the key is changed to one that does not exist
    runner.clients.s3.delete_object(Bucket=MANIFEST_BUCKET, Key="good.manifest")
    emulator.request_log.clear()
    # WHEN the update is deployed
    with pytest.raises(StackFailed) as failed:
        deploy(runner, assembly, "TypoV2")
    # THEN it fails naming the object, the rollback has nothing to rebuild, and the dataset keeps its entries
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"
    assert any(f"s3://{MANIFEST_BUCKET}/goood.manifest" in reason for reason in failed.value.failures.values())
    assert dataset_totals(runner, "e2e-typo") == {arn: 20}
    assert ok_calls(emulator, "DeleteDataset") == [] and ok_calls(emulator, "CreateDataset") == []
    state = runner.engine.store.load("Typo")
    assert state is not None and state.status == "UPDATE_ROLLBACK_COMPLETE"


def dataset_totals(runner: Session, project: str) -> dict[str, int]:
    """Dataset ARN -> TotalEntries of the project's datasets."""
    rekognition = runner.clients.rekognition
    (description,) = rekognition.describe_projects(ProjectNames=[project])["ProjectDescriptions"]
    return {
        d["DatasetArn"]: rekognition.describe_dataset(DatasetArn=d["DatasetArn"])["DatasetDescription"]["DatasetStats"][
            "TotalEntries"
        ]
        for d in description.get("Datasets", [])
    }


def test_a_rollback_that_rebuilds_records_the_dataset_it_made_and_destroy_leaves_nothing(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN a deployed dataset from good.manifest, and a changed key whose import the service then fails
    put_manifest(runner, "good.manifest", labelled({"rose": 10, "tulip": 10}))
    put_manifest(runner, "other.manifest", labelled({"rose": 6, "tulip": 6}))
    deploy(runner, assembly, "Typo")
    ((first, _),) = dataset_totals(runner, "e2e-typo").items()
    emulator.faults.fail_next("*", "Internal service failure during the import.")
    # WHEN the update is deployed: the source is proven, the old dataset rebuilt, the import fails
    with pytest.raises(StackFailed) as failed:
        deploy(runner, assembly, "TypoV3")
    # THEN the rollback rebuilt the dataset from good.manifest under a new ARN, and the stack state records that ARN
    assert failed.value.status == "UPDATE_ROLLBACK_COMPLETE"
    ((rebuilt, total),) = dataset_totals(runner, "e2e-typo").items()
    assert rebuilt != first and total == 20
    state = runner.engine.store.load("Typo")
    assert state is not None
    (dataset,) = [r for r in state.resources.values() if r.type == "Custom::RekognitionDataset"]
    assert dataset.physical_id == rebuilt
    assert [row.status for row in dataset_rows(runner.clients.rekognition, state)] != ["MISSING"]
    # AND redeploying the rolled-back template changes nothing, and destroy leaves nothing
    emulator.request_log.clear()
    deploy(runner, assembly, "Typo")
    assert ok_calls(emulator, "CreateDataset") == [] and ok_calls(emulator, "DeleteDataset") == []
    runner.engine.destroy("Typo")
    assert_nothing_left(runner, "Typo")
