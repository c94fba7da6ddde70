"""DistributeDatasetEntries: preconditions, the deterministic 20% split, failure."""

from __future__ import annotations

import json

import pytest

from .conftest import error_of
from .manifests import classification, image, labelled


@pytest.fixture
def datasets(client, project, put_manifest):
    """Returns a function building (train, test) ARNs, train filled from the given lines, test empty."""

    def build(lines):
        train = client.create_dataset(
            ProjectArn=project,
            DatasetType="TRAIN",
            DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(lines)}},
        )["DatasetArn"]
        test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
        return train, test

    return build


def _refs(client, arn):
    pages = client.get_paginator("list_dataset_entries").paginate(DatasetArn=arn)
    return [json.loads(e)["source-ref"] for page in pages for e in page["DatasetEntries"]]


def _describe(client, arn):
    return client.describe_dataset(DatasetArn=arn)["DatasetDescription"]


def test_moves_20_percent_label_by_label_without_overlap(client, datasets):
    lines = labelled({"cat": 10, "dog": 5, "bird": 20})
    train, test = datasets(lines)

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    train_refs, test_refs = _refs(client, train), _refs(client, test)
    assert len(test_refs) == 7
    assert sorted(train_refs + test_refs) == sorted(line["source-ref"] for line in lines)
    assert not set(train_refs) & set(test_refs)
    per_label = {
        d["LabelName"]: d["LabelStats"]["EntryCount"]
        for d in client.list_dataset_labels(DatasetArn=test)["DatasetLabelDescriptions"]
    }
    assert per_label == {"bird": 4, "cat": 2, "dog": 1}
    for arn in (train, test):
        assert (_describe(client, arn)["Status"], _describe(client, arn)["StatusMessageCode"]) == (
            "UPDATE_COMPLETE",
            "SUCCESS",
        )


def test_split_is_deterministic(client, put_manifest):
    s3_object = put_manifest(labelled({"cat": 12, "dog": 9}))
    splits = []
    for name in ("first", "second"):
        project = client.create_project(ProjectName=name)["ProjectArn"]
        source = {"GroundTruthManifest": {"S3Object": s3_object}}
        train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN", DatasetSource=source)["DatasetArn"]
        test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
        client.distribute_dataset_entries(Datasets=[{"Arn": test}, {"Arn": train}])
        splits.append(sorted(_refs(client, test)))

    assert len(splits[0]) == 4
    assert splits[0] == splits[1]


def test_unlabeled_entries_are_split_too(client, datasets):
    train, test = datasets([*labelled({"cat": 5, "dog": 5}), *({"source-ref": image(f"u{i}")} for i in range(5))])

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    assert _describe(client, test)["DatasetStats"]["TotalEntries"] == 3
    assert _describe(client, train)["DatasetStats"]["TotalEntries"] == 12


def test_distribution_takes_its_delay(client, emulator, datasets):
    train, test = datasets(labelled({"cat": 5, "dog": 5}))
    emulator.configure(distribute_delay=4)

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    assert {_describe(client, arn)["Status"] for arn in (train, test)} == {"UPDATE_IN_PROGRESS"}
    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    emulator.advance_time(4)
    assert {_describe(client, arn)["Status"] for arn in (train, test)} == {"UPDATE_COMPLETE"}


def test_label_with_a_single_image_fails_both_datasets(client, datasets):
    train, test = datasets([*labelled({"cat": 5, "dog": 5}), classification(image("lonely"), "unicorn")])

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    for arn in (train, test):
        description = _describe(client, arn)
        assert (description["Status"], description["StatusMessageCode"]) == ("UPDATE_FAILED", "CLIENT_ERROR")
        assert description["StatusMessage"] == (
            "The manifest file doesn't have enough labeled images to distribute the dataset."
        )
    assert _describe(client, train)["DatasetStats"]["TotalEntries"] == 11
    assert _describe(client, test)["DatasetStats"]["TotalEntries"] == 0


def test_unlabeled_training_set_cannot_be_distributed(client, datasets):
    train, test = datasets([{"source-ref": image(f"u{i}")} for i in range(5)])

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    assert _describe(client, train)["Status"] == "UPDATE_FAILED"


def test_test_dataset_must_be_empty(client, datasets):
    train, test = datasets(labelled({"cat": 5, "dog": 5}))
    client.update_dataset_entries(DatasetArn=test, Changes={"GroundTruth": json.dumps(labelled({"cat": 1})[0])})

    with pytest.raises(client.exceptions.InvalidParameterException) as raised:
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    assert "must be empty" in error_of(raised)["Message"]


def test_training_dataset_must_have_entries(client, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]

    with pytest.raises(client.exceptions.InvalidParameterException):
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])


def test_needs_one_train_and_one_test(client, datasets):
    train, _ = datasets(labelled({"cat": 5}))

    with pytest.raises(client.exceptions.InvalidParameterException):
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": train}])


def test_datasets_must_share_a_project(client, datasets):
    train, _ = datasets(labelled({"cat": 5}))
    other = client.create_project(ProjectName="other")["ProjectArn"]
    foreign_test = client.create_dataset(ProjectArn=other, DatasetType="TEST")["DatasetArn"]

    with pytest.raises(client.exceptions.InvalidParameterException) as raised:
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": foreign_test}])

    assert "same project" in error_of(raised)["Message"]


def test_unknown_dataset_is_not_found(client, datasets):
    train, test = datasets(labelled({"cat": 5}))

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test.rsplit("/", 1)[0] + "/1"}])


def test_exactly_two_datasets_is_validated(client, datasets):
    train, test = datasets(labelled({"cat": 5}))

    with pytest.raises(client.exceptions.ClientError) as raised:
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}, {"Arn": test}])

    assert error_of(raised)["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 2" in error_of(raised)["Message"]
