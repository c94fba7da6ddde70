"""``Custom::RekognitionModelEvaluation``: the evaluation as attributes, the gate re-checked, nothing deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.model_schema import MODEL_EVALUATION_RESOURCE_TYPE

from .cfn import event, run
from .model_helpers import out_of_band

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def evaluation(request_type: str, props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return event(request_type, props, logical_id="Evaluation", resource_type=MODEL_EVALUATION_RESOURCE_TYPE, **kwargs)


def described(rek: RekognitionClient, project: str, name: str = "v1") -> dict[str, Any]:
    (found,) = rek.describe_project_versions(ProjectArn=project, VersionNames=[name])["ProjectVersionDescriptions"]
    return dict(found)


def test_a_trained_version_exposes_its_evaluation(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    emulator.configure(training_f1=0.93)
    arn = out_of_band(rekognition, project, "v1")
    response = run(evaluation("Create", {"ProjectVersionArn": arn, "MinF1Score": "0.9"}), runtime)
    assert response.status == "SUCCESS", response.reason
    version = described(rekognition, project)
    s3_object = version["EvaluationResult"]["Summary"]["S3Object"]
    assert response.physical_id == arn
    assert response.data == {
        "F1Score": "0.93",
        "EvaluationSummaryS3Uri": f"s3://{s3_object['Bucket']}/{s3_object['Name']}",
        "BillableTrainingTimeInSeconds": str(version["BillableTrainingTimeInSeconds"]),
        "Status": "TRAINING_COMPLETED",
    }


def test_the_gate_is_checked_again_on_update(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    emulator.configure(training_f1=0.8)
    arn = out_of_band(rekognition, project, "v1")
    old = {"ProjectVersionArn": arn, "MinF1Score": "0.75"}
    assert run(evaluation("Create", old), runtime).status == "SUCCESS"
    response = run(evaluation("Update", {**old, "MinF1Score": "0.85"}, old=old, physical_id=arn), runtime)
    assert response.status == "FAILED"
    s3_object = described(rekognition, project)["EvaluationResult"]["Summary"]["S3Object"]
    summary = f"s3://{s3_object['Bucket']}/{s3_object['Name']}"
    assert f"F1 score 0.8 is below min_f1_score 0.85 (evaluation summary {summary})" in response.reason


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"training_delay": 600}, "Model version v1 is TRAINING_IN_PROGRESS; it has no evaluation."),
        ({"training_failures": {"*": "No labels."}}, "Model version v1 is TRAINING_FAILED: No labels.; it has no"),
    ],
)
def test_an_untrained_version_fails_with_its_status(
    project: str,
    runtime: Runtime,
    emulator: Emulator,
    rekognition: RekognitionClient,
    setup: dict[str, Any],
    message: str,
) -> None:
    emulator.configure(**setup)
    arn = out_of_band(rekognition, project, "v1")
    response = run(evaluation("Create", {"ProjectVersionArn": arn}), runtime)
    assert response.status == "FAILED"
    assert message in response.reason


def test_a_missing_version_fails_naming_it(project: str, runtime: Runtime, rekognition: RekognitionClient) -> None:
    arn = out_of_band(rekognition, project, "v1").replace("/v1/", "/v9/")
    response = run(evaluation("Create", {"ProjectVersionArn": arn}), runtime)
    assert response.status == "FAILED"
    assert f"Model version {arn} does not exist." in response.reason


def test_a_bad_arn_fails_naming_the_field(runtime: Runtime, emulator: Emulator) -> None:
    response = run(evaluation("Create", {"ProjectVersionArn": "arn:aws:s3:::bucket"}), runtime)
    assert response.status == "FAILED"
    assert "ProjectVersionArn must be a Rekognition model version ARN" in response.reason
    assert emulator.request_log.count() == 0


def test_delete_touches_nothing(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    arn = out_of_band(rekognition, project, "v1")
    emulator.request_log.clear()
    response = run(evaluation("Delete", {"ProjectVersionArn": arn}, physical_id=arn), runtime)
    assert response.status == "SUCCESS", response.reason
    assert emulator.request_log.count() == 0


def test_throttled_reads_are_retried(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    arn = out_of_band(rekognition, project, "v1")
    emulator.faults.throttle_next(2, "DescribeProjectVersions")
    response = run(evaluation("Create", {"ProjectVersionArn": arn}), runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.polls == 3
