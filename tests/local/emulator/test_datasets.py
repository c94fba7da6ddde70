"""CreateDataset, DescribeDataset, DeleteDataset: sources, ARNs, states and their errors."""

from __future__ import annotations

import re

import pytest

from rekognition_datasets_local.emulator import content

from .conftest import error_of
from .manifests import classification, image, labelled

DATASET_ARN = re.compile(r"^arn:aws:rekognition:us-east-1:123456789012:project/my-project/dataset/(train|test)/\d{13}$")


def _describe(client, arn):
    return client.describe_dataset(DatasetArn=arn)["DatasetDescription"]


def test_empty_dataset_arn_has_type_and_ms_but_no_project_timestamp(client, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]

    assert DATASET_ARN.match(train).group(1) == "train"
    assert DATASET_ARN.match(test).group(1) == "test"
    assert project.rsplit("/", 1)[1] not in train
    description = _describe(client, train)
    assert description["Status"] == "CREATE_COMPLETE"
    assert description["StatusMessageCode"] == "SUCCESS"
    assert description["DatasetStats"] == {"LabeledEntries": 0, "TotalEntries": 0, "TotalLabels": 0, "ErrorEntries": 0}
    assert int(description["CreationTimestamp"].timestamp() * 1000) == int(train.rsplit("/", 1)[1])


def test_dataset_from_manifest(client, project, put_manifest):
    s3_object = put_manifest([*labelled({"cat": 3, "dog": 2}), classification(image("none"))])

    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
    )["DatasetArn"]

    description = _describe(client, arn)
    assert description["Status"] == "CREATE_COMPLETE"
    assert description["StatusMessage"] == "The dataset was successfully created from the manifest file."
    assert description["DatasetStats"] == {"LabeledEntries": 5, "TotalEntries": 6, "TotalLabels": 2, "ErrorEntries": 0}


def test_manifest_object_version_is_read(client, project, s3, bucket, put_manifest):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = put_manifest(labelled({"cat": 2, "dog": 2}))
    put_manifest(labelled({"cat": 5, "dog": 5}))

    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": first}}
    )["DatasetArn"]

    assert "Version" in first
    assert _describe(client, arn)["DatasetStats"]["TotalEntries"] == 4


def test_missing_manifest_is_invalid_s3_object_synchronously(client, project, bucket):
    missing = {"Bucket": bucket, "Name": "nope.manifest"}

    with pytest.raises(client.exceptions.InvalidS3ObjectException) as raised:
        client.create_dataset(
            ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": missing}}
        )

    assert error_of(raised)["Message"] == (
        "Unable to get object metadata from S3. Check object key, region and/or access permissions."
    )
    assert client.describe_projects()["ProjectDescriptions"][0]["Datasets"] == []


def test_unknown_manifest_version_is_invalid_s3_object(client, project, s3, bucket, put_manifest):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3_object = {**put_manifest(labelled({"cat": 2})), "Version": "not-a-version"}

    with pytest.raises(client.exceptions.InvalidS3ObjectException):
        client.create_dataset(
            ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
        )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "The manifest file is empty."),
        (
            [classification(image("a", "bucket-one"), "cat"), classification(image("b", "bucket-two"), "dog")],
            "The manifest file contains images from multiple S3 buckets.",
        ),
        (["not json"] * 3 + labelled({"cat": 2}), "The manifest file has too many terminal errors."),
    ],
    ids=["empty", "multiple-buckets", "too-many-invalid"],
)
def test_file_error_ends_in_create_failed_with_client_error(client, project, put_manifest, lines, message):
    s3_object = put_manifest(lines)

    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
    )["DatasetArn"]

    description = _describe(client, arn)
    assert (description["Status"], description["StatusMessageCode"]) == ("CREATE_FAILED", "CLIENT_ERROR")
    assert description["StatusMessage"] == message
    assert description["DatasetStats"]["TotalEntries"] == 0


def test_terminal_lines_are_dropped_silently(client, project, put_manifest):
    lines = [*labelled({"cat": 4, "dog": 4}), "{not json", labelled({"cat": 1})[0]]
    s3_object = put_manifest(lines)

    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
    )["DatasetArn"]

    assert _describe(client, arn)["Status"] == "CREATE_COMPLETE"
    assert _describe(client, arn)["DatasetStats"]["TotalEntries"] == 8


def test_one_dataset_per_type(client, project):
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    with pytest.raises(client.exceptions.ResourceAlreadyExistsException) as raised:
        client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    assert "TRAIN dataset already exists" in error_of(raised)["Message"]


def test_create_dataset_in_unknown_project_is_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_dataset(ProjectArn="arn:aws:rekognition:us-east-1:123456789012:project/x/1", DatasetType="TEST")


def test_copy_a_dataset_by_arn(client, project, put_manifest):
    source = client.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(labelled({"cat": 3, "dog": 3}))}},
    )["DatasetArn"]
    other = client.create_project(ProjectName="other")["ProjectArn"]

    copy = client.create_dataset(ProjectArn=other, DatasetType="TEST", DatasetSource={"DatasetArn": source})[
        "DatasetArn"
    ]

    assert _describe(client, copy)["DatasetStats"] == _describe(client, source)["DatasetStats"]
    assert _describe(client, copy)["StatusMessage"] == "The dataset was successfully created from the source dataset."
    assert (
        client.list_dataset_entries(DatasetArn=copy)["DatasetEntries"]
        == (client.list_dataset_entries(DatasetArn=source)["DatasetEntries"])
    )


def test_copy_needs_a_complete_source(client, emulator, project):
    emulator.configure(dataset_create_delay=10)
    source = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    with pytest.raises(client.exceptions.InvalidParameterException) as raised:
        client.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource={"DatasetArn": source})

    assert "CREATE_IN_PROGRESS" in error_of(raised)["Message"]


def test_copy_of_unknown_dataset_is_not_found(client, project):
    missing = project.rsplit("/", 1)[0] + "/dataset/train/1"

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource={"DatasetArn": missing})


def test_create_takes_its_delay(client, emulator, project, put_manifest):
    emulator.configure(dataset_create_delay=5)
    s3_object = put_manifest(labelled({"cat": 2, "dog": 2}))
    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
    )["DatasetArn"]

    during = _describe(client, arn)
    emulator.advance_time(5)
    after = _describe(client, arn)

    assert during["Status"] == "CREATE_IN_PROGRESS"
    assert "StatusMessage" not in during
    assert during["DatasetStats"]["TotalEntries"] == 0
    assert after["Status"] == "CREATE_COMPLETE"
    assert after["DatasetStats"]["TotalEntries"] == 4


def test_delete_refused_while_creating(client, emulator, project):
    emulator.configure(dataset_create_delay=5)
    arn = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_dataset(DatasetArn=arn)


def test_delete_goes_through_delete_in_progress_then_not_found(client, emulator, project):
    emulator.configure(dataset_delete_delay=2)
    arn = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    client.delete_dataset(DatasetArn=arn)
    assert _describe(client, arn)["Status"] == "DELETE_IN_PROGRESS"
    client.delete_dataset(DatasetArn=arn)
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    emulator.advance_time(2)

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset(DatasetArn=arn)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_dataset(DatasetArn=arn)
    assert client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"] != arn


def test_delete_project_waits_for_datasets_to_be_gone(client, emulator, project):
    emulator.configure(dataset_delete_delay=2)
    arn = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    client.delete_dataset(DatasetArn=arn)

    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_project(ProjectArn=project)
    emulator.advance_time(2)
    assert client.delete_project(ProjectArn=project)["Status"] == "DELETING"


def test_failed_dataset_can_be_deleted(client, project, put_manifest):
    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest([])}}
    )["DatasetArn"]

    client.delete_dataset(DatasetArn=arn)

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset(DatasetArn=arn)


def test_manifest_over_the_size_limit_fails_the_create(client, project, put_manifest, monkeypatch):
    monkeypatch.setattr(content, "MAX_MANIFEST_BYTES", 10)
    s3_object = put_manifest(labelled({"cat": 2}))

    arn = client.create_dataset(
        ProjectArn=project, DatasetType="TRAIN", DatasetSource={"GroundTruthManifest": {"S3Object": s3_object}}
    )["DatasetArn"]

    description = _describe(client, arn)
    assert (description["Status"], description["StatusMessageCode"]) == ("CREATE_FAILED", "CLIENT_ERROR")
    assert description["StatusMessage"] == "The manifest file size exceeds the maximum supported size."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"GroundTruthManifest": {"S3Object": {"Bucket": "abc", "Name": "m"}}, "DatasetArn": "{train}"}, "not both"),
        ({"GroundTruthManifest": {}}, "needs an S3Object"),
    ],
)
def test_dataset_source_must_name_one_source(client, project, source, message):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    if "DatasetArn" in source:
        source = {**source, "DatasetArn": train}

    with pytest.raises(client.exceptions.InvalidParameterException) as raised:
        client.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource=source)

    assert message in error_of(raised)["Message"]


def test_no_dataset_in_a_project_being_deleted(client, emulator, project):
    emulator.configure(project_delete_delay=5)
    client.delete_project(ProjectArn=project)

    with pytest.raises(client.exceptions.InvalidParameterException) as raised:
        client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    assert "being deleted" in error_of(raised)["Message"]
