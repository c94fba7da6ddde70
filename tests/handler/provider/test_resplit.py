"""A split pair finishes its own split when a rollback rebuilds one side and the distribution gets no event."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.schema import TAG_MERGE_RETRIES, TAG_SPLIT

from .cfn import OTHER_STACK_ID, event, run
from .conftest import lines
from .test_distribution import distribution

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

SOURCE = {"rose": 25, "tulip": 25}


def declared_train(project_arn: str, source: dict[str, Any], key: str = "k1", **extra: str) -> dict[str, Any]:
    """A TRAIN dataset as a DatasetDistribution declares it: its SourceFingerprint is the pair's key."""
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": source, "SourceFingerprint": key, **extra}


def declared_test(project_arn: str, key: str = "k1") -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TEST", "ResetOnTrainingFingerprint": key}


def own_test(project_arn: str, put_object: Callable[..., dict[str, str]]) -> dict[str, Any]:
    """A TEST dataset declared with its own source (5 entries): no longer part of a split."""
    source = {"Type": "manifest", **put_object(lines({"iris": 5}), key="t.manifest")}
    return {"ProjectArn": project_arn, "DatasetType": "TEST", "Source": source}


def refs(rekognition: RekognitionClient, arn: str) -> set[str]:
    pages = rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn)
    return {json.loads(line)["source-ref"] for page in pages for line in page["DatasetEntries"]}


def create(request: dict[str, Any], runtime: Runtime) -> str:
    response = run(request, runtime)
    assert response.status == "SUCCESS", response.reason
    return str(response.physical_id)


def update(runtime: Runtime, new: dict[str, Any], old: dict[str, Any], arn: str, logical_id: str) -> str:
    response = run(event("Update", new, old=old, physical_id=arn, logical_id=logical_id), runtime)
    assert response.status == "SUCCESS", response.reason
    return str(response.physical_id)


def assert_split(rekognition: RekognitionClient, train: str, test: str, total: int) -> None:
    held_train, held_test = refs(rekognition, train), refs(rekognition, test)
    assert not held_train & held_test, "the split's datasets overlap"
    assert len(held_train | held_test) == total and held_test, (len(held_train), len(held_test))


@pytest.fixture
def split_pair(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]
) -> tuple[dict[str, Any], str, str]:
    """A TRAIN of 50 entries split with its TEST by the distribution (TRAIN's properties, both ARNs)."""
    train = declared_train(project_arn, {"Type": "manifest", **put_object(lines(SOURCE))}, Distributed="true")
    train_arn = create(event("Create", train, logical_id="Train"), runtime)
    test_arn = create(event("Create", declared_test(project_arn), logical_id="Test"), runtime)
    split = run(distribution(train_arn, test_arn), runtime)
    assert split.status == "SUCCESS", split.reason
    return train, train_arn, test_arn


def test_a_test_dataset_created_after_its_training_dataset_splits_the_pair_and_the_distribution_is_done(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    train_declared = declared_train(project_arn, {"Type": "manifest", **put_object(lines(SOURCE))}, Distributed="true")
    train = create(event("Create", train_declared, logical_id="Train"), runtime)
    created = run(event("Create", declared_test(project_arn), logical_id="Test"), runtime)
    assert created.status == "SUCCESS" and int(created.data["TotalEntries"]) > 0, created.reason
    test = str(created.physical_id)
    assert_split(rekognition_client, train, test, 50)
    assert rekognition_client.list_tags_for_resource(ResourceArn=train)["Tags"][TAG_SPLIT] == "true"
    split = run(distribution(train, test), runtime)
    assert split.status == "SUCCESS" and int(split.data["TestingEntries"]) == int(created.data["TotalEntries"])
    assert emulator.request_log.count("DistributeDatasetEntries") == 1


@pytest.mark.parametrize("test_first", [True, False], ids=["test-rolled-back-first", "train-rolled-back-first"])
def test_a_rollback_that_rebuilds_both_datasets_splits_them_again(
    test_first: bool,
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
    split_pair: tuple[dict[str, Any], str, str],
) -> None:
    # GIVEN the training source changed (TRAIN rebuilt whole, TEST rebuilt empty) and the update then failed
    old_train, train, test = split_pair
    new_train = declared_train(project_arn, {"Type": "manifest", **put_object(lines({"rose": 30}))}, "k2")
    new_train["Distributed"] = "true"
    train = update(runtime, new_train, old_train, train, "Train")
    test = update(runtime, declared_test(project_arn, "k2"), declared_test(project_arn), test, "Test")
    # WHEN the rollback sends both their old properties back (no event for the unchanged distribution)
    emulator.request_log.clear()
    if test_first:
        test = update(runtime, declared_test(project_arn), declared_test(project_arn, "k2"), test, "Test")
    train = update(runtime, old_train, new_train, train, "Train")
    if not test_first:
        test = update(runtime, declared_test(project_arn), declared_test(project_arn, "k2"), test, "Test")
    # THEN whichever settles last splits the pair again
    assert_split(rekognition_client, train, test, 50)
    assert emulator.request_log.count("DistributeDatasetEntries") == 1


def test_a_rollback_of_a_removed_split_rebuilds_train_without_the_entries_test_kept(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
    split_pair: tuple[dict[str, Any], str, str],
) -> None:
    # GIVEN the split was removed (TRAIN rebuilt whole; TEST, no longer declared, awaits the cleanup's Delete)
    split_train, train, test = split_pair
    held_test = refs(rekognition_client, test)
    whole = {k: v for k, v in split_train.items() if k != "Distributed"}
    train = update(runtime, whole, split_train, train, "Train")
    assert len(refs(rekognition_client, train)) == 50
    # WHEN the update fails and the rollback declares the split TRAIN again
    train = update(runtime, split_train, whole, train, "Train")
    # THEN TRAIN holds the source without what TEST holds, and TEST is untouched
    assert refs(rekognition_client, test) == held_test
    assert_split(rekognition_client, train, test, 50)
    assert emulator.request_log.count("DistributeDatasetEntries") == 1  # the original split's only


@pytest.mark.parametrize("stranger", ["other-stack", "other-key"])
def test_a_whole_training_dataset_never_splits_into_a_test_dataset_it_cannot_prove_its_partner(
    stranger: str,
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    stack = {"stack_id": OTHER_STACK_ID} if stranger == "other-stack" else {}
    key = "k0" if stranger == "other-key" else "k1"
    test = create(event("Create", declared_test(project_arn, key), logical_id="Test", **stack), runtime)
    old = declared_train(project_arn, {"Type": "manifest", **put_object(lines(SOURCE))})
    train = create(event("Create", old, logical_id="Train"), runtime)
    train = update(runtime, {**old, "Distributed": "true"}, old, train, "Train")
    assert emulator.request_log.count("DistributeDatasetEntries") == 0
    assert len(refs(rekognition_client, train)) == 50 and not refs(rekognition_client, test)


@pytest.mark.parametrize("delay", [0, 4], ids=["split-done", "split-running"])
def test_a_second_caller_of_the_same_split_waits_instead_of_failing(
    delay: float,
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    """Found by the chaos run: TRAIN's and TEST's polls (or the distribution's) both saw the pair still to split;
    the second DistributeDatasetEntries was refused ("the test dataset must be empty") and failed its resource."""
    from rekognition_datasets_handler.resources.distribution import distribute

    emulator.configure(distribute_delay=delay)
    train = create(
        event(
            "Create", declared_train(project_arn, {"Type": "manifest", **put_object(lines(SOURCE))}), logical_id="Train"
        ),
        runtime,
    )
    rekognition_client.describe_dataset(DatasetArn=train)  # settles
    test = create(event("Create", {"ProjectArn": project_arn, "DatasetType": "TEST"}, logical_id="Test"), runtime)
    assert distribute(rekognition_client, train, test) is True
    assert distribute(rekognition_client, train, test) is False
    if delay:
        emulator.advance_time(delay)
    assert_split(rekognition_client, train, test, total=50)


def test_distribute_still_names_a_refusal_no_other_caller_explains(
    project_arn: str, runtime: Runtime, rekognition_client: RekognitionClient
) -> None:
    from rekognition_datasets_handler.errors import ProviderError
    from rekognition_datasets_handler.resources.distribution import distribute

    train = create(event("Create", {"ProjectArn": project_arn, "DatasetType": "TRAIN"}, logical_id="Train"), runtime)
    test = create(event("Create", {"ProjectArn": project_arn, "DatasetType": "TEST"}, logical_id="Test"), runtime)
    with pytest.raises(ProviderError, match="DistributeDatasetEntries failed: InvalidParameterException"):
        distribute(rekognition_client, train, test)


def test_a_split_test_rebuilt_for_its_own_source_first_returns_its_part_to_train(
    split_pair: tuple[dict[str, Any], str, str],
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    """Found by the seed-31 soak: TEST, rebuilt for its own source, deleted the only copy of its split part; the
    rollback rebuilt it empty beside a TRAIN lacking those entries. The part now goes back to TRAIN first."""
    _, train_arn, test_arn = split_pair
    part = refs(rekognition_client, test_arn)
    own = own_test(project_arn, put_object)
    new_test = update(runtime, own, declared_test(project_arn), test_arn, "Test")
    assert refs(rekognition_client, train_arn) >= part and len(refs(rekognition_client, train_arn)) == 50
    assert TAG_SPLIT not in rekognition_client.list_tags_for_resource(ResourceArn=train_arn)["Tags"]
    assert len(refs(rekognition_client, new_test)) == 5
    # AND the rollback's empty TEST splits the whole TRAIN again: nothing lost, no overlap
    back = update(runtime, declared_test(project_arn), own, new_test, "Test")
    assert_split(rekognition_client, train_arn, back, total=50)


@pytest.mark.parametrize("tried", [0, 3], ids=["sent-again", "retries-spent"])
def test_a_failed_merge_is_sent_again_a_few_times_then_the_split_test_is_kept(
    tried: int,
    split_pair: tuple[dict[str, Any], str, str],
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    """An UPDATE_FAILED dataset keeps its content: the merge goes again (the chaos run's killed update had left
    TRAIN so). Once the retries are spent, the TEST's rebuild fails and TEST keeps its part."""
    _, train_arn, test_arn = split_pair
    part = refs(rekognition_client, test_arn)
    if tried:
        rekognition_client.tag_resource(ResourceArn=train_arn, Tags={TAG_MERGE_RETRIES: str(tried)})
    emulator.faults.fail_next(train_arn, "Injected: the merge failed")
    own = own_test(project_arn, put_object)
    request = event("Update", own, old=declared_test(project_arn), physical_id=test_arn, logical_id="Test")
    response = run(request, runtime)
    if not tried:
        assert response.status == "SUCCESS", response.reason
        assert len(refs(rekognition_client, train_arn)) == 50
        assert TAG_MERGE_RETRIES not in rekognition_client.list_tags_for_resource(ResourceArn=train_arn)["Tags"]
        return
    assert response.status == "FAILED"
    assert "could not go back to its TRAIN dataset first; TEST is left as it is" in response.reason
    assert "Injected: the merge failed" in response.reason
    assert refs(rekognition_client, test_arn) == part
