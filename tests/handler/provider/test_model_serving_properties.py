"""``Custom::RekognitionModelServing`` properties: what is accepted, and a short error naming the field otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.serving_properties import ServingSpec, parse_serving

ARN = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/version/v1/1700000000000"
ROLE = "arn:aws:iam::123456789012:role/stopper"


def test_every_property_is_parsed() -> None:
    spec = parse_serving(
        {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ProjectVersionArn": ARN,
            "MinInferenceUnits": "2",
            "MaxInferenceUnits": "5",
            "AutoStopAfterMinutes": "90",
            "SchedulerRoleArn": ROLE,
        }
    )

    assert spec == ServingSpec(ARN, 2, 5, 90, ROLE)


def test_a_role_without_auto_stop_is_accepted_and_unused() -> None:
    assert parse_serving({"ProjectVersionArn": ARN, "MinInferenceUnits": "1", "SchedulerRoleArn": ROLE}) == ServingSpec(
        ARN, 1, None, None, ROLE
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"MinInferenceUnits": None}, "MinInferenceUnits is required"),
        ({"MinInferenceUnits": "0"}, "MinInferenceUnits must be a whole number from 1 to 10000, got '0'"),
        ({"MinInferenceUnits": "1.5"}, "MinInferenceUnits must be a whole number"),
        ({"MinInferenceUnits": "٣"}, "MinInferenceUnits must be a whole number"),
        (
            {"MaxInferenceUnits": "1", "MinInferenceUnits": "2"},
            "MaxInferenceUnits (1) must be >= MinInferenceUnits (2)",
        ),
        ({"AutoStopAfterMinutes": "0", "SchedulerRoleArn": ROLE}, "AutoStopAfterMinutes must be a whole number from 1"),
        ({"AutoStopAfterMinutes": "99999999999999", "SchedulerRoleArn": ROLE}, "AutoStopAfterMinutes must be"),
        ({"AutoStopAfterMinutes": "30"}, "SchedulerRoleArn is required with AutoStopAfterMinutes"),
        ({"AutoStopAfterMinutes": "30", "SchedulerRoleArn": "stopper"}, "SchedulerRoleArn must be an IAM role ARN"),
        ({"ProjectVersionArn": ARN.replace("/version/v1", "")}, "ProjectVersionArn must be a Rekognition model"),
        ({"ProjectVersionArn": None}, "ProjectVersionArn must be a non-empty string"),
        ({"MinUnits": "1"}, "Unknown model serving property 'MinUnits'"),
    ],
)
def test_bad_properties_fail_naming_the_field(changes: dict[str, Any], message: str) -> None:
    props = {"ProjectVersionArn": ARN, "MinInferenceUnits": "1", **changes}

    with pytest.raises(ProviderError) as raised:
        parse_serving({k: v for k, v in props.items() if v is not None})

    assert message in str(raised.value)
    assert len(str(raised.value)) < 300
