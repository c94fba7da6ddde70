"""Constraints boto3 does not check client-side are rejected with the service's ValidationException."""

from __future__ import annotations

import pytest

from .conftest import error_of

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/my-project/1690474772815"


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        (
            "create_project",
            {"ProjectName": "x" * 256},
            f"Value '{'x' * 100}...' at 'projectName' failed to satisfy constraint: "
            "Member must have length less than or equal to 255",
        ),
        (
            "create_project",
            {"ProjectName": "has space"},
            r"Value 'has space' at 'projectName' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [a-zA-Z0-9_.\-]+",
        ),
        (
            "create_project",
            {"ProjectName": "p", "Feature": "FACES"},
            "Value 'FACES' at 'feature' failed to satisfy constraint: "
            "Member must satisfy enum value set: [CONTENT_MODERATION, CUSTOM_LABELS]",
        ),
        (
            "create_dataset",
            {"ProjectArn": PROJECT, "DatasetType": "train"},
            "Value 'train' at 'datasetType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [TRAIN, TEST]",
        ),
        (
            "create_dataset",
            {"ProjectArn": PROJECT.replace("/1690474772815", "/dataset/train/1"), "DatasetType": "TRAIN"},
            "at 'projectArn' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
        (
            "describe_dataset",
            {"DatasetArn": PROJECT},
            "at 'datasetArn' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
        (
            "create_dataset",
            {
                "ProjectArn": PROJECT,
                "DatasetType": "TRAIN",
                "DatasetSource": {"GroundTruthManifest": {"S3Object": {"Bucket": "bad bucket!", "Name": "m"}}},
            },
            "at 'datasetSource.groundTruthManifest.s3Object.bucket' failed to satisfy constraint",
        ),
        (
            "describe_projects",
            {"ProjectNames": ["ok", "not ok"]},
            "Value 'not ok' at 'projectNames.2.member' failed to satisfy constraint",
        ),
        (
            "list_dataset_entries",
            {"DatasetArn": PROJECT.replace("/1690474772815", "/dataset/train/1"), "SourceRefContains": "   "},
            r"Value '   ' at 'sourceRefContains' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: .*\S.*",
        ),
        (
            "describe_projects",
            {"NextToken": "t" * 1025},
            "at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024",
        ),
    ],
)
def test_model_constraints(client, operation, params, message):
    with pytest.raises(client.exceptions.ClientError) as raised:
        getattr(client, operation)(**params)

    error = error_of(raised)
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("1 validation error detected: Value ")
    assert message in error["Message"]


def test_several_violations_are_reported_together(client):
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.describe_projects(MaxResults=500, ProjectNames=["a b"])

    assert error_of(raised)["Message"].startswith("2 validation errors detected: ")
    assert "; Value " in error_of(raised)["Message"]
