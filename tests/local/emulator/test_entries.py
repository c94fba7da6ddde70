"""UpdateDatasetEntries, ListDatasetEntries, ListDatasetLabels: upserts, filters, pagination, states."""

from __future__ import annotations

import json
import re

import pytest

from rekognition_datasets_local.emulator import content
from rekognition_datasets_local.emulator.validation import service_model

from .conftest import error_of
from .manifests import classification, detection, image, jsonl, labelled

UNLABELED = {"source-ref": image("unlabeled")}
BROKEN_METADATA = {**classification(image("broken"), "cat"), "cat-metadata": {"confidence": 1}}
BOXES = detection(image("street"), [("car", 10, 10, 100, 100), ("car", 200, 10, 100, 100), ("bus", 900, 700, 500, 500)])


@pytest.fixture
def dataset(client, project):
    return client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]


def _update(client, arn, lines):
    client.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": jsonl(lines).encode()})


def _entries(client, arn, **filters):
    return [json.loads(e) for e in client.list_dataset_entries(DatasetArn=arn, **filters)["DatasetEntries"]]


def _describe(client, arn):
    return client.describe_dataset(DatasetArn=arn)["DatasetDescription"]


def test_update_adds_entries_and_labels(client, dataset):
    _update(client, dataset, labelled({"cat": 2, "dog": 1}))

    description = _describe(client, dataset)

    assert (description["Status"], description["StatusMessageCode"]) == ("UPDATE_COMPLETE", "SUCCESS")
    assert description["StatusMessage"] == "The dataset was successfully updated."
    assert description["DatasetStats"] == {"LabeledEntries": 3, "TotalEntries": 3, "TotalLabels": 2, "ErrorEntries": 0}


def test_update_upserts_by_source_ref(client, dataset):
    _update(client, dataset, labelled({"cat": 2}))

    _update(client, dataset, [classification(image("cat-0"), "dog"), classification(image("new"), "bird")])

    entries = {e["source-ref"]: e for e in _entries(client, dataset)}
    assert list(entries) == [image("cat-0"), image("cat-1"), image("new")]
    assert "dog" in entries[image("cat-0")] and "cat" not in entries[image("cat-0")]
    assert _describe(client, dataset)["DatasetStats"]["TotalLabels"] == 3


def test_failed_update_keeps_previous_content(client, dataset):
    _update(client, dataset, labelled({"cat": 2, "dog": 2}))

    _update(client, dataset, [classification(image("elsewhere", "another-bucket"), "cat")])

    description = _describe(client, dataset)
    assert (description["Status"], description["StatusMessageCode"]) == ("UPDATE_FAILED", "CLIENT_ERROR")
    assert description["StatusMessage"] == "The manifest file contains images from multiple S3 buckets."
    assert description["DatasetStats"]["TotalEntries"] == 4
    _update(client, dataset, labelled({"bird": 1}))
    assert _describe(client, dataset)["DatasetStats"]["TotalEntries"] == 5


def test_update_with_only_invalid_lines_fails(client, dataset):
    _update(client, dataset, ["{oops", "[]"])

    description = _describe(client, dataset)

    assert description["Status"] == "UPDATE_FAILED"
    assert description["StatusMessage"] == "The manifest file has too many terminal errors."


def test_update_refused_while_in_progress(client, emulator, dataset):
    emulator.configure(dataset_update_delay=5)
    _update(client, dataset, labelled({"cat": 1}))

    with pytest.raises(client.exceptions.ResourceInUseException):
        _update(client, dataset, labelled({"dog": 1}))
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_dataset(DatasetArn=dataset)
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.list_dataset_entries(DatasetArn=dataset)
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.list_dataset_labels(DatasetArn=dataset)
    emulator.advance_time(5)
    assert _describe(client, dataset)["Status"] == "UPDATE_COMPLETE"


def test_lists_not_ready_while_creating_or_failed(client, emulator, project, put_manifest):
    emulator.configure(dataset_create_delay=5)
    creating = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    failed = client.create_dataset(
        ProjectArn=project, DatasetType="TEST", DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest([])}}
    )["DatasetArn"]
    emulator.advance_time(5)
    emulator.configure(dataset_create_delay=0)
    client.delete_dataset(DatasetArn=creating)
    emulator.advance_time(1)
    creating = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    emulator.configure(dataset_create_delay=5)

    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.list_dataset_labels(DatasetArn=failed)
    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.list_dataset_entries(DatasetArn=failed)
    with pytest.raises(client.exceptions.InvalidParameterException):
        _update(client, failed, labelled({"cat": 1}))
    assert client.list_dataset_entries(DatasetArn=creating)["DatasetEntries"] == []


def test_list_refused_while_creating(client, emulator, project):
    emulator.configure(dataset_create_delay=5)
    arn = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.list_dataset_entries(DatasetArn=arn)


def test_update_blob_over_5_mib_is_validation_exception(client, dataset):
    blob = b"{" + b" " * (5 * 1024 * 1024) + b"}"

    with pytest.raises(client.exceptions.ClientError) as raised:
        client.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": blob})

    error = error_of(raised)
    assert error["Code"] == "ValidationException"
    assert (
        "at 'changes.groundTruth' failed to satisfy constraint: Member must have length less than or equal to"
        in (error["Message"])
    )


def test_update_past_the_images_per_dataset_quota_is_limit_exceeded(client, dataset, monkeypatch):
    monkeypatch.setattr(content, "MAX_DATASET_ENTRIES", 3)
    _update(client, dataset, labelled({"cat": 2}))

    with pytest.raises(client.exceptions.LimitExceededException):
        _update(client, dataset, labelled({"dog": 2}))

    assert _describe(client, dataset)["DatasetStats"]["TotalEntries"] == 2


def test_update_unknown_dataset_is_not_found(client, project):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        _update(client, project.rsplit("/", 1)[0] + "/dataset/train/1", labelled({"cat": 1}))


def test_entries_carry_cl_metadata_and_cl_errors(client, dataset):
    _update(client, dataset, [*labelled({"cat": 1, "dog": 1}), UNLABELED, BROKEN_METADATA, BOXES])

    entries = {e["source-ref"]: e for e in _entries(client, dataset)}

    assert entries[image("cat-0")]["cl-metadata"] == {"is_labeled": True}
    assert entries[image("unlabeled")]["cl-metadata"] == {"is_labeled": False}
    assert entries[image("broken")]["cat-metadata"]["cl-errors"][0]["code"] == (
        "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT"
    )
    off_frame = entries[image("street")]["bounding-box"]["annotations"][2]
    assert off_frame["cl-errors"] == [
        {"code": "ERROR_INVALID_BOUNDING_BOX", "message": "The bounding box has off frame values."}
    ]
    assert _describe(client, dataset)["DatasetStats"]["ErrorEntries"] == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["cat-0", "dog-0", "unlabeled", "broken", "street"]),
        ({"ContainsLabels": ["cat", "car"]}, ["cat-0", "street"]),
        ({"ContainsLabels": ["bird"]}, []),
        ({"Labeled": True}, ["cat-0", "dog-0", "broken", "street"]),
        ({"Labeled": False}, ["unlabeled"]),
        ({"HasErrors": True}, ["broken", "street"]),
        ({"HasErrors": False}, ["cat-0", "dog-0", "unlabeled"]),
        ({"SourceRefContains": "dog-"}, ["dog-0"]),
        ({"SourceRefContains": "images/", "Labeled": True, "HasErrors": False}, ["cat-0", "dog-0"]),
    ],
)
def test_list_entries_filters(client, dataset, filters, expected):
    _update(client, dataset, [*labelled({"cat": 1, "dog": 1}), UNLABELED, BROKEN_METADATA, BOXES])

    refs = [e["source-ref"] for e in _entries(client, dataset, **filters)]

    assert refs == [image(name) for name in expected]


def test_list_entries_paginates_with_tokens_bound_to_arguments(client, dataset):
    _update(client, dataset, labelled({"cat": 5}))

    first = client.list_dataset_entries(DatasetArn=dataset, MaxResults=2)
    second = client.list_dataset_entries(DatasetArn=dataset, MaxResults=2, NextToken=first["NextToken"])
    pages = client.get_paginator("list_dataset_entries").paginate(DatasetArn=dataset, PaginationConfig={"PageSize": 2})

    assert len(first["DatasetEntries"]) == 2
    assert second["DatasetEntries"] != first["DatasetEntries"]
    assert sum(len(p["DatasetEntries"]) for p in pages) == 5
    with pytest.raises(client.exceptions.InvalidPaginationTokenException):
        client.list_dataset_entries(DatasetArn=dataset, Labeled=True, NextToken=first["NextToken"])
    with pytest.raises(client.exceptions.InvalidPaginationTokenException) as raised:
        client.list_dataset_entries(DatasetArn=dataset, NextToken="garbage")
    assert error_of(raised)["Message"] == "Invalid Token"


def test_max_results_over_100_is_validation_exception(client, dataset):
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.list_dataset_entries(DatasetArn=dataset, MaxResults=101)

    assert error_of(raised) == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    }


def test_entries_satisfy_the_models_dataset_entry_shape_and_default_page(client, dataset):
    shape = service_model().shape_for("DatasetEntry")
    _update(client, dataset, [*labelled({"cat": 140}), UNLABELED, BROKEN_METADATA, BOXES])

    first = client.list_dataset_entries(DatasetArn=dataset)
    rest = client.list_dataset_entries(DatasetArn=dataset, NextToken=first["NextToken"])

    assert (len(first["DatasetEntries"]), len(rest["DatasetEntries"]), "NextToken" in rest) == (100, 43, False)
    for entry in first["DatasetEntries"] + rest["DatasetEntries"]:
        assert re.fullmatch(shape.metadata["pattern"], entry)
        assert shape.metadata["min"] <= len(entry) <= shape.metadata["max"]


def test_list_labels_counts_entries_and_boxes(client, dataset):
    _update(client, dataset, [*labelled({"cat": 2, "dog": 1}), BOXES])

    labels = client.list_dataset_labels(DatasetArn=dataset)["DatasetLabelDescriptions"]

    # BoundingBoxCount: "the total number of images that have the label assigned to a bounding box" (one image
    # with two car boxes counts 1)
    assert {d["LabelName"]: d["LabelStats"] for d in labels} == {
        "car": {"EntryCount": 1, "BoundingBoxCount": 1},
        "cat": {"EntryCount": 2},
        "dog": {"EntryCount": 1},
    }


def test_list_labels_paginates(client, dataset):
    _update(client, dataset, labelled({f"label{i}": 1 for i in range(5)}))

    pages = client.get_paginator("list_dataset_labels").paginate(DatasetArn=dataset, PaginationConfig={"PageSize": 2})

    assert [len(p["DatasetLabelDescriptions"]) for p in pages] == [2, 2, 1]
