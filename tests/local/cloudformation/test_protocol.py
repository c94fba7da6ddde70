"""The Query protocol layer: requests parsed by botocore's input shapes, responses that botocore parses back."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.parsers import QueryParser

from rekognition_datasets_local.cloudformation import protocol
from rekognition_datasets_local.cloudformation.errors import ValidationError


def _op(name: str) -> Any:
    op = protocol.operation(name)
    assert op is not None
    return op


def _parse(name: str, xml: str, status: int = 200) -> dict[str, Any]:
    response = {"body": xml.encode(), "headers": {}, "status_code": status}
    parsed: dict[str, Any] = QueryParser().parse(response, _op(name).output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def test_request_lists_and_structures_are_read_from_member_keys() -> None:
    form = {
        "Action": "CreateChangeSet",
        "StackName": "S",
        "ChangeSetName": "c1",
        "ChangeSetType": "CREATE",
        "Parameters.member.1.ParameterKey": "A",
        "Parameters.member.1.ParameterValue": "1",
        "Parameters.member.2.ParameterKey": "B",
        "Parameters.member.2.UsePreviousValue": "true",
        "Capabilities.member.1": "CAPABILITY_IAM",
    }
    params = protocol.parse_request(_op("CreateChangeSet"), form)
    assert params["Parameters"] == [
        {"ParameterKey": "A", "ParameterValue": "1"},
        {"ParameterKey": "B", "UsePreviousValue": True},
    ]
    assert params["Capabilities"] == ["CAPABILITY_IAM"]
    assert params["ChangeSetType"] == "CREATE"


def test_request_missing_required_members_and_bad_enums_are_refused_as_the_service_words_them() -> None:
    form = {"Action": "CreateChangeSet", "ChangeSetType": "SOMETIMES"}
    with pytest.raises(ValidationError) as raised:
        protocol.parse_request(_op("CreateChangeSet"), form)
    message = raised.value.message
    assert message.startswith("3 validation errors detected: ")
    assert "Value null at 'stackName' failed to satisfy constraint: Member must not be null" in message
    assert "Value null at 'changeSetName' failed to satisfy constraint: Member must not be null" in message
    assert "Value 'SOMETIMES' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set" in (
        message
    )


def test_request_booleans_must_be_true_or_false() -> None:
    form = {"ChangeSetName": "c", "StackName": "S", "IncludePropertyValues": "yes"}
    with pytest.raises(ValidationError, match="Value 'yes' at 'IncludePropertyValues' failed to satisfy"):
        protocol.parse_request(_op("DescribeChangeSet"), form)


def test_describe_stacks_result_parses_back_with_botocore() -> None:
    created = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    stack = {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
        "StackName": "S",
        "CreationTime": created,
        "StackStatus": "CREATE_COMPLETE",
        "DisableRollback": False,
        "Parameters": [{"ParameterKey": "P", "ParameterValue": "<&>"}],
        "Outputs": [{"OutputKey": "O", "OutputValue": "v"}],
        "Tags": [],
        "Capabilities": ["CAPABILITY_IAM"],
    }
    xml = protocol.serialize_result(_op("DescribeStacks"), {"Stacks": [stack]}, "req-1")
    assert xml.startswith(f'<DescribeStacksResponse xmlns="{protocol.NAMESPACE}"><DescribeStacksResult>')
    parsed = _parse("DescribeStacks", xml)
    assert parsed == {"Stacks": [stack]}


def test_change_set_details_parse_back_with_botocore() -> None:
    change = {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Q",
            "PhysicalResourceId": "q-1",
            "ResourceType": "AWS::SQS::Queue",
            "Replacement": "True",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {"Attribute": "Properties", "Name": "QueueName", "RequiresRecreation": "Always"},
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
    }
    xml = protocol.serialize_result(_op("DescribeChangeSet"), {"Changes": [change], "Status": "CREATE_COMPLETE"})
    assert _parse("DescribeChangeSet", xml) == {"Changes": [change], "Status": "CREATE_COMPLETE"}


def test_a_member_the_shape_does_not_have_is_a_bug_not_a_silent_drop() -> None:
    with pytest.raises(KeyError, match="NotAMember"):
        protocol.serialize_result(_op("DescribeStacks"), {"Stacks": [], "NotAMember": 1})


def test_errors_parse_back_with_botocore() -> None:
    xml = protocol.serialize_error("ValidationError", "Stack with id S does not exist", request_id="r")
    parsed = _parse("DescribeStacks", xml, 400)
    assert parsed["Error"] == {"Type": "Sender", "Code": "ValidationError", "Message": "Stack with id S does not exist"}
