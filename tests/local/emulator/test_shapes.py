"""The output-shape check the model tests rely on reports what breaks botocore's model."""

from __future__ import annotations

import datetime

from rekognition_datasets_local.emulator.validation import service_model

from .shapes import shape_errors


def test_reports_unknown_members_enums_types_ranges_and_patterns():
    shape = service_model().operation_model("DescribeProjectVersions").output_shape
    bad = {
        "ProjectVersionDescriptions": [
            {
                "ProjectVersionArn": "not-an-arn",
                "CreationTimestamp": 1700000000.0,
                "Status": "TRAINED",
                "MinInferenceUnits": 0,
                "EvaluationResult": {"F1Score": "high"},
                "Surprise": True,
            }
        ]
    }

    errors = shape_errors(shape, bad, "DescribeProjectVersions")

    prefix = "DescribeProjectVersions.ProjectVersionDescriptions[0]."
    assert sorted({error.split(":")[0].removeprefix(prefix) for error in errors}) == [
        "CreationTimestamp",
        "EvaluationResult.F1Score",
        "MinInferenceUnits",
        "ProjectVersionArn",
        "Status",
        "Surprise",
    ]
    assert len(errors) == 7  # the ARN breaks both its length and its pattern


def test_accepts_a_well_formed_description():
    shape = service_model().operation_model("DescribeProjectVersions").output_shape
    good = {
        "ProjectVersionDescriptions": [
            {
                "ProjectVersionArn": "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v1/1",
                "CreationTimestamp": datetime.datetime.now(datetime.UTC),
                "Status": "RUNNING",
                "MinInferenceUnits": 1,
            }
        ]
    }

    assert shape_errors(shape, good, "DescribeProjectVersions") == []
