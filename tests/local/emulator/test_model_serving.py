"""Start, stop, delete and DetectCustomLabels on model versions; DeleteProject while versions exist."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import WaiterError

from .conftest import error_of
from .shapes import assert_matches_output

PNG = b"\x89PNG\r\n\x1a\n" + b"a cat, probably"
JPEG = b"\xff\xd8\xff\xe0" + b"a dog, maybe"
NOW_WAIT = {"Delay": 0, "MaxAttempts": 3}


@pytest.fixture
def trained(client, trainable, output):
    """The ARN of a version trained on the ``trainable`` project (TRAINING_COMPLETED on the next request)."""
    return client.create_project_version(ProjectArn=trainable, VersionName="v1", OutputConfig=output)[
        "ProjectVersionArn"
    ]


@pytest.fixture
def running(client, trained):
    client.start_project_version(ProjectVersionArn=trained, MinInferenceUnits=1)
    return trained


def _status(client, project, name="v1"):
    answer = client.describe_project_versions(ProjectArn=project, VersionNames=[name])
    assert_matches_output("DescribeProjectVersions", answer)
    return answer["ProjectVersionDescriptions"][0]


def test_start_goes_through_starting_to_running_with_its_units(client, emulator, trainable, trained):
    _status(client, trainable)
    emulator.configure(version_start_delay=60)

    started = client.start_project_version(ProjectVersionArn=trained, MinInferenceUnits=2, MaxInferenceUnits=5)
    starting = _status(client, trainable)
    emulator.advance_time(60)
    running = _status(client, trainable)

    assert_matches_output("StartProjectVersion", started)
    assert (started["Status"], starting["Status"], running["Status"]) == ("STARTING", "STARTING", "RUNNING")
    assert (running["MinInferenceUnits"], running["MaxInferenceUnits"]) == (2, 5)
    assert running["StatusMessage"] == "The model is running."


def test_the_running_waiter_works(client, trainable, trained):
    client.start_project_version(ProjectVersionArn=trained, MinInferenceUnits=1)

    client.get_waiter("project_version_running").wait(ProjectArn=trainable, VersionNames=["v1"], WaiterConfig=NOW_WAIT)

    assert _status(client, trainable)["MaxInferenceUnits"] == 1


def test_start_refuses_max_below_min_a_training_version_and_a_running_one(client, emulator, trainable, output):
    emulator.configure(training_delay=60)
    arn = client.create_project_version(ProjectArn=trainable, VersionName="v1", OutputConfig=output)[
        "ProjectVersionArn"
    ]

    with pytest.raises(client.exceptions.InvalidParameterException):
        client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=3, MaxInferenceUnits=2)
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    emulator.advance_time(60)
    client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)


def test_a_configured_start_failure_ends_failed_and_the_version_may_be_started_again(
    client, emulator, trainable, trained
):
    emulator.configure(start_failures={"my-project": "Not enough capacity."})

    client.start_project_version(ProjectVersionArn=trained, MinInferenceUnits=1)
    failed = _status(client, trainable)
    with pytest.raises(WaiterError, match="terminal failure state"):
        client.get_waiter("project_version_running").wait(
            ProjectArn=trainable, VersionNames=["v1"], WaiterConfig=NOW_WAIT
        )
    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.detect_custom_labels(ProjectVersionArn=trained, Image={"Bytes": PNG})
    deleted = client.delete_project_version(ProjectVersionArn=trained)["Status"]

    assert (failed["Status"], failed["StatusMessage"], deleted) == ("FAILED", "Not enough capacity.", "DELETING")


def test_stop_goes_through_stopping_to_stopped_and_the_version_starts_again(client, emulator, trainable, running):
    _status(client, trainable)
    emulator.configure(version_stop_delay=30)

    stopped = client.stop_project_version(ProjectVersionArn=running)
    again = client.stop_project_version(ProjectVersionArn=running)
    stopping = _status(client, trainable)["Status"]
    emulator.advance_time(30)
    settled = _status(client, trainable)["Status"]
    restarted = client.start_project_version(ProjectVersionArn=running, MinInferenceUnits=1)["Status"]

    assert_matches_output("StopProjectVersion", stopped)
    assert (stopped["Status"], again["Status"], stopping, settled, restarted) == (
        "STOPPING",
        "STOPPING",
        "STOPPING",
        "STOPPED",
        "STARTING",
    )


def test_stop_refuses_a_version_that_is_not_running(client, trainable, trained):
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.stop_project_version(ProjectVersionArn=trained)


def test_delete_is_refused_while_training_or_running(client, emulator, trainable, output):
    emulator.configure(training_delay=60)
    arn = client.create_project_version(ProjectArn=trainable, VersionName="v1", OutputConfig=output)[
        "ProjectVersionArn"
    ]

    with pytest.raises(client.exceptions.ResourceInUseException) as training:
        client.delete_project_version(ProjectVersionArn=arn)
    emulator.advance_time(60)
    client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    _status(client, trainable)
    with pytest.raises(client.exceptions.ResourceInUseException) as running:
        client.delete_project_version(ProjectVersionArn=arn)

    assert "TRAINING_IN_PROGRESS" in error_of(training)["Message"]
    assert "RUNNING" in error_of(running)["Message"]


def test_delete_goes_through_deleting_then_the_version_is_gone(client, emulator, trainable, trained):
    _status(client, trainable)
    emulator.configure(version_delete_delay=10)

    deleted = client.delete_project_version(ProjectVersionArn=trained)
    again = client.delete_project_version(ProjectVersionArn=trained)
    deleting = _status(client, trainable)["Status"]
    emulator.advance_time(10)

    assert_matches_output("DeleteProjectVersion", deleted)
    assert (deleted["Status"], again["Status"], deleting) == ("DELETING", "DELETING", "DELETING")
    assert client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"] == []
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_project_version(ProjectVersionArn=trained)


def test_delete_project_is_refused_while_versions_exist_naming_them(client, trainable, trained):
    for dataset in client.describe_projects()["ProjectDescriptions"][0]["Datasets"]:
        client.delete_dataset(DatasetArn=dataset["DatasetArn"])

    with pytest.raises(client.exceptions.ResourceInUseException) as refused:
        client.delete_project(ProjectArn=trainable)
    client.delete_project_version(ProjectVersionArn=trained)

    assert "v1" in error_of(refused)["Message"]
    assert client.delete_project(ProjectArn=trainable)["Status"] == "DELETING"


def test_detect_answers_deterministically_from_the_trained_labels(client, running):
    first = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=0)
    second = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=0)
    other = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": JPEG}, MinConfidence=0)
    top = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=0, MaxResults=1)

    for answer in (first, other, top):
        assert_matches_output("DetectCustomLabels", answer)
    labels = first["CustomLabels"]
    assert first["CustomLabels"] == second["CustomLabels"]
    assert first["CustomLabels"] != other["CustomLabels"]
    assert sorted(label["Name"] for label in labels) == ["car", "cat", "dog"]
    assert [label["Confidence"] for label in labels] == sorted((label["Confidence"] for label in labels), reverse=True)
    assert {label["Name"] for label in labels if "Geometry" in label} == {"car"}
    assert top["CustomLabels"] == labels[:1]


def test_detect_keeps_labels_at_or_above_min_confidence(client, running):
    every = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=0)
    floor = every["CustomLabels"][1]["Confidence"]

    kept = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=floor)

    assert kept["CustomLabels"] == every["CustomLabels"][:2]


def test_detect_reads_images_from_s3(client, s3, bucket, running):
    s3.put_object(Bucket=bucket, Key="photo.png", Body=PNG)

    from_s3 = client.detect_custom_labels(
        ProjectVersionArn=running, Image={"S3Object": {"Bucket": bucket, "Name": "photo.png"}}, MinConfidence=0
    )

    from_bytes = client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG}, MinConfidence=0)
    assert from_s3["CustomLabels"] == from_bytes["CustomLabels"]
    with pytest.raises(client.exceptions.InvalidS3ObjectException):
        client.detect_custom_labels(ProjectVersionArn=running, Image={"S3Object": {"Bucket": bucket, "Name": "nope"}})


def test_detect_refuses_a_version_that_is_not_running_and_images_it_cannot_read(client, trained):
    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.detect_custom_labels(ProjectVersionArn=trained, Image={"Bytes": PNG})
    client.start_project_version(ProjectVersionArn=trained, MinInferenceUnits=1)
    with pytest.raises(client.exceptions.InvalidImageFormatException):
        client.detect_custom_labels(ProjectVersionArn=trained, Image={"Bytes": b"GIF89a"})
    client.stop_project_version(ProjectVersionArn=trained)

    with pytest.raises(client.exceptions.ResourceNotReadyException):
        client.detect_custom_labels(ProjectVersionArn=trained, Image={"Bytes": PNG})


def test_detect_logs_the_image_size_not_its_bytes(client, emulator, running):
    client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG})

    (logged,) = emulator.request_log.entries("DetectCustomLabels")

    assert logged.params["Image"] == {"Bytes": {"size": len(PNG)}}


def test_faults_reach_the_model_operations(client, emulator, running):
    emulator.faults.throttle_next(operation="DetectCustomLabels")
    emulator.faults.internal_error_next(operation="StopProjectVersion")

    with pytest.raises(client.exceptions.ThrottlingException):
        client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG})
    with pytest.raises(client.exceptions.InternalServerError):
        client.stop_project_version(ProjectVersionArn=running)

    assert client.stop_project_version(ProjectVersionArn=running)["Status"] == "STOPPING"


def test_slow_lengthens_trainings_and_starts(client, emulator, trainable, output):
    emulator.faults.slow(30)
    arn = client.create_project_version(ProjectArn=trainable, VersionName="v1", OutputConfig=output)[
        "ProjectVersionArn"
    ]

    training = _status(client, trainable)["Status"]
    emulator.advance_time(30)
    client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    starting = _status(client, trainable)["Status"]
    emulator.advance_time(30)

    assert (training, starting, _status(client, trainable)["Status"]) == ("TRAINING_IN_PROGRESS", "STARTING", "RUNNING")


def test_delete_project_is_refused_while_versions_exist_even_when_it_cascades_to_datasets(
    client, emulator, trainable, trained
):
    emulator.configure(delete_project_requires_no_datasets=False)

    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_project(ProjectArn=trainable)
    client.delete_project_version(ProjectVersionArn=trained)

    assert client.delete_project(ProjectArn=trainable)["Status"] == "DELETING"


def test_detect_without_min_confidence_uses_each_labels_assumed_threshold(client, s3, trainable, running):
    summary = client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"][0]
    location = summary["EvaluationResult"]["Summary"]["S3Object"]
    evaluation = json.loads(s3.get_object(Bucket=location["Bucket"], Key=location["Name"])["Body"].read())
    thresholds = {r["Label"]: r["Metrics"]["Threshold"] for r in evaluation["LabelEvaluationResults"]}
    answers = [
        (
            client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG + bytes([i])}, MinConfidence=0),
            client.detect_custom_labels(ProjectVersionArn=running, Image={"Bytes": PNG + bytes([i])}),
        )
        for i in range(8)
    ]

    for every, default in answers:
        expected = [label for label in every["CustomLabels"] if label["Confidence"] >= 100 * thresholds[label["Name"]]]
        assert default["CustomLabels"] == expected
    assert any(every["CustomLabels"] != default["CustomLabels"] for every, default in answers)
