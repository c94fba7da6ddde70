"""Malformed events and bad properties fail with one short sentence naming the field and what is allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import parse_dataset
from rekognition_datasets_handler.provider import is_complete, on_event

from .cfn import event

if TYPE_CHECKING:
    from io import StringIO

    from rekognition_datasets_handler.runtime import Runtime

    from .conftest import FakeClock

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000"


def without(key: str) -> dict[str, Any]:
    request = event("Create", {"ProjectArn": PROJECT, "DatasetType": "TRAIN"})
    del request[key]
    return request


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ([], "Malformed event: expected a JSON object."),
        (without("RequestType"), "Malformed event: RequestType must be Create, Update or Delete, got None."),
        (without("ResourceType"), "Malformed event: ResourceType must be a non-empty string."),
        (without("StackId"), "Malformed event: StackId must be a non-empty string."),
        (without("LogicalResourceId"), "Malformed event: LogicalResourceId must be a non-empty string."),
        (
            {**without("RequestId"), "RequestType": "Delete", "PhysicalResourceId": "x"},
            "Malformed event: RequestId must be a non-empty string.",
        ),
        (
            event("Update", {}, physical_id="x") | {"OldResourceProperties": None},
            "Malformed event: OldResourceProperties is required on Update.",
        ),
        ({**without("ResourceType"), "ResourceType": "Custom::Other"}, "ResourceType must be Custom::Rekognition"),
    ],
    ids=["not-an-object", "request-type", "resource-type", "stack-id", "logical-id", "request-id", "old-props", "type"],
)
def test_malformed_events_fail_cleanly_in_both_entry_points(
    request_body: Any, message: str, runtime: Runtime, log_stream: StringIO
) -> None:
    for entry_point in (on_event, is_complete):
        with pytest.raises(ProviderError) as raised:
            entry_point(request_body, None, runtime)
        assert str(raised.value).startswith(message)
    assert "X-Amz-Signature" not in log_stream.getvalue()


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"ProjectArn": PROJECT, "DatasetType": "train2"}, "DatasetType must be TRAIN or TEST, got 'train2'."),
        ({"ProjectArn": "my-project", "DatasetType": "TRAIN"}, "ProjectArn must be a Rekognition project ARN, got"),
        ({"DatasetType": "TRAIN"}, "ProjectArn must be a non-empty string"),
        ({"ProjectArn": PROJECT, "DatasetType": "TEST", "MaxErrorEntries": "-1"}, "MaxErrorEntries must be a non-neg"),
        ({"ProjectArn": PROJECT, "DatasetType": "TEST", "Distributed": "yes"}, "Distributed must be 'true' or 'false'"),
        ({"ProjectArn": PROJECT, "DatasetType": "TEST", "Source": {"Type": "s3"}}, "Source.Type must be one of empty,"),
        (
            {"ProjectArn": PROJECT, "DatasetType": "TEST", "Source": {"Type": "manifest", "Bucket": "b1"}},
            "Source.Bucket must be an S3 bucket name, got 'b1'.",
        ),
        (
            {"ProjectArn": PROJECT, "DatasetType": "TEST", "Source": {"Type": "empty", "Key": "k"}},
            "Unknown Source property 'Key'; allowed: Type.",
        ),
        (
            {"ProjectArn": PROJECT, "DatasetType": "TEST", "Tags": {"aws:owner": "me"}},
            "Tag key 'aws:owner' is reserved",
        ),
        (
            {"ProjectArn": PROJECT, "DatasetType": "TEST", "Colour": "red"},
            "Unknown dataset property 'Colour'; allowed:",
        ),
    ],
)
def test_bad_properties_name_the_field_and_what_is_allowed(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ProviderError) as raised:
        parse_dataset({"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f", **props})
    assert str(raised.value).startswith(message)
    assert len(str(raised.value)) < 300


def test_fingerprint_follows_source_and_reset_but_not_tags() -> None:
    base = {"ProjectArn": PROJECT, "DatasetType": "TEST", "Source": {"Type": "empty"}}
    fingerprint = parse_dataset(base).fingerprint
    assert parse_dataset({**base, "Tags": {"a": "b"}}).fingerprint == fingerprint
    assert parse_dataset({**base, "ResetOnTrainingFingerprint": "v2"}).fingerprint != fingerprint
    assert parse_dataset({**base, "SourceFingerprint": "abc"}).fingerprint != fingerprint


def test_budget_from_env_is_used_by_lambda_runtime(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    from rekognition_datasets_handler.runtime import Runtime

    monkeypatch.setenv("REKOGNITION_DATASETS_CALL_BUDGET_SECONDS", "7.5")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    runtime = Runtime.from_env()
    assert runtime.budget.seconds == 7.5 and runtime.log.level == "DEBUG"
    monkeypatch.setenv("REKOGNITION_DATASETS_CALL_BUDGET_SECONDS", "lots")
    assert Runtime.from_env().budget.seconds == 120
