"""Each intrinsic resolver on a fixed scope."""

from __future__ import annotations

from typing import Any

import pytest

from rekognition_datasets_local.runner.errors import TemplateError
from rekognition_datasets_local.runner.intrinsics import NO_VALUE, Resolver


class FakeScope:
    def ref(self, name: str) -> Any:
        return {"AWS::Region": "us-east-1", "AWS::NoValue": NO_VALUE, "Bucket": "b", "Zones": ["x", "y"]}[name]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"{logical_id}:{attribute}"

    def condition(self, name: str) -> bool:
        return name == "Yes"

    def mapping(self, name: str, top: str, second: str) -> Any:
        return f"{name}/{top}/{second}"


def resolve(value: Any) -> Any:
    return Resolver(FakeScope()).resolve(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Bucket"}, "b"),
        ({"Fn::GetAtt": ["Fn", "Arn"]}, "Fn:Arn"),
        ({"Fn::GetAtt": "Fn.Endpoint.Address"}, "Fn:Endpoint.Address"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Bucket"}, 3, True]]}, "a-b-3-true"),
        ({"Fn::Sub": "s3://${Bucket}/${Fn.Arn}/${AWS::Region}/${!Literal}"}, "s3://b/Fn:Arn/us-east-1/${Literal}"),
        ({"Fn::Sub": ["${X}-${Bucket}", {"X": {"Ref": "AWS::Region"}}]}, "us-east-1-b"),
        ({"Fn::Select": ["1", {"Ref": "Zones"}]}, "y"),
        ({"Fn::Split": [",", "a,b"]}, ["a", "b"]),
        ({"Fn::Select": [0, {"Fn::Split": ["/", {"Fn::Sub": "${Bucket}/k"}]}]}, "b"),
        ({"Fn::If": ["Yes", "t", "f"]}, "t"),
        ({"Fn::If": ["No", "t", "f"]}, "f"),
        ({"Fn::Equals": ["1", 1]}, True),
        ({"Fn::Not": [{"Condition": "Yes"}]}, False),
        ({"Fn::And": [{"Condition": "Yes"}, {"Fn::Equals": ["a", "a"]}]}, True),
        ({"Fn::Or": [{"Condition": "No"}, {"Condition": "Yes"}]}, True),
        ({"Fn::FindInMap": ["M", "k", {"Ref": "Bucket"}]}, "M/k/b"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ],
)
def test_intrinsic(value: Any, expected: Any) -> None:
    assert resolve(value) == expected


def test_no_value_removes_properties_and_list_items() -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Fn::If": ["No", 2, {"Ref": "AWS::NoValue"}]}], "C": "c"}
    assert resolve(value) == {"B": [1], "C": "c"}


def test_plain_dicts_with_one_key_are_not_intrinsics() -> None:
    assert resolve({"Name": {"Ref": "Bucket"}}) == {"Name": "b"}


@pytest.mark.parametrize(
    "value",
    [
        {"Fn::Join": ["-"]},
        {"Fn::Select": [5, ["a"]]},
        {"Fn::ImportValue": "Shared"},
        {"Fn::Join": ["-", [{"K": "v"}]]},
    ],
)
def test_bad_intrinsics_raise_template_errors(value: Any) -> None:
    with pytest.raises(TemplateError):
        resolve(value)
