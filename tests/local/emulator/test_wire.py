"""The AWS JSON 1.1 wire format and the control endpoint, through the WSGI app (no sockets)."""

from __future__ import annotations

import base64
import json

import pytest
from werkzeug.test import Client

from rekognition_datasets_local.emulator import Emulator, EmulatorConfig

from .manifests import jsonl, labelled


@pytest.fixture
def emulator_app():
    return Emulator(EmulatorConfig.instant())


@pytest.fixture
def http(emulator_app):
    return Client(emulator_app.app)


def call(http, operation, body, target_prefix="RekognitionService"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Amz-Target": f"{target_prefix}.{operation}", "Content-Type": "application/x-amz-json-1.1"}
    response = http.post("/", data=data, headers=headers)
    return response.status_code, response.headers, json.loads(response.get_data())


def test_success_shape_and_epoch_seconds_timestamps(http):
    status, headers, body = call(http, "CreateProject", {"ProjectName": "p"})
    _, _, described = call(http, "DescribeProjects", {})

    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-RequestId"]
    assert set(body) == {"ProjectArn"}
    timestamp = described["ProjectDescriptions"][0]["CreationTimestamp"]
    assert isinstance(timestamp, float)
    assert round(timestamp * 1000) == int(body["ProjectArn"].rsplit("/", 1)[1])


def test_error_body_carries_type_code_message_and_logref(http):
    status, headers, body = call(
        http, "DescribeDataset", {"DatasetArn": "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"}
    )

    assert status == 400
    assert headers["X-Amzn-ErrorType"] == "ResourceNotFoundException"
    assert set(body) == {"__type", "Code", "Message", "Logref"}
    assert body["__type"] == body["Code"] == "ResourceNotFoundException"
    assert "does not exist" in body["Message"]


def test_throttling_and_internal_errors_are_500(http, emulator_app):
    emulator_app.faults.throttle_next()
    emulator_app.faults.internal_error_next(operation="DescribeProjects")

    throttled = call(http, "DescribeProjects", {})
    internal = call(http, "DescribeProjects", {})

    assert (throttled[0], throttled[2]["Code"]) == (500, "ThrottlingException")
    assert (internal[0], internal[2]["Code"]) == (500, "InternalServerError")


@pytest.mark.parametrize(
    ("operation", "prefix", "code"),
    [
        ("DetectLabels", "RekognitionService", "UnknownOperationException"),
        ("NoSuchThing", "RekognitionService", "UnknownOperationException"),
        ("CreateProject", "S3", "UnknownOperationException"),
        ("", "RekognitionService", "UnknownOperationException"),
    ],
)
def test_unknown_operations_are_refused(http, operation, prefix, code):
    status, _, body = call(http, operation, {}, target_prefix=prefix)

    assert (status, body["Code"]) == (400, code)
    assert body["Message"]


def test_get_is_unknown_operation(http):
    response = http.get("/")

    assert response.status_code == 400
    assert json.loads(response.get_data())["Code"] == "UnknownOperationException"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", json.dumps({"ProjectName": 7}).encode(), json.dumps({"ProjectName": ["p"]}).encode()],
)
def test_malformed_bodies_are_serialization_errors(http, body):
    status, _, answer = call(http, "CreateProject", body)

    assert (status, answer["Code"]) == (400, "SerializationException")


def test_missing_required_member_is_validation_error(http):
    status, _, body = call(http, "CreateProject", {})

    assert (status, body["Code"]) == (400, "ValidationException")
    assert body["Message"] == (
        "1 validation error detected: Value null at 'projectName' failed to satisfy constraint: Member must not be null"
    )


def test_ground_truth_blob_is_base64(http):
    project = call(http, "CreateProject", {"ProjectName": "p"})[2]["ProjectArn"]
    dataset = call(http, "CreateDataset", {"ProjectArn": project, "DatasetType": "TRAIN"})[2]["DatasetArn"]
    blob = base64.b64encode(jsonl(labelled({"cat": 2})).encode()).decode()

    status, _, _ = call(http, "UpdateDatasetEntries", {"DatasetArn": dataset, "Changes": {"GroundTruth": blob}})
    bad = call(http, "UpdateDatasetEntries", {"DatasetArn": dataset, "Changes": {"GroundTruth": "!!not base64!!"}})

    assert status == 200
    assert (
        call(http, "DescribeDataset", {"DatasetArn": dataset})[2]["DatasetDescription"]["DatasetStats"]["TotalEntries"]
        == 2
    )
    assert (bad[0], bad[2]["Code"]) == (400, "SerializationException")


def test_manifest_without_running_s3_is_invalid_s3_object(http):
    project = call(http, "CreateProject", {"ProjectName": "p"})[2]["ProjectArn"]
    source = {"GroundTruthManifest": {"S3Object": {"Bucket": "bucket", "Name": "m.manifest"}}}

    status, _, body = call(
        http, "CreateDataset", {"ProjectArn": project, "DatasetType": "TRAIN", "DatasetSource": source}
    )

    assert (status, body["Code"]) == (400, "InvalidS3ObjectException")


def test_control_endpoint_request_log(http):
    call(http, "CreateProject", {"ProjectName": "p"})
    call(http, "CreateProject", {"ProjectName": "p"})

    requests = json.loads(http.get("/_emulator/requests").get_data())["requests"]
    cleared = http.delete("/_emulator/requests")

    assert [(r["operation"], r["outcome"]) for r in requests] == [
        ("CreateProject", "OK"),
        ("CreateProject", "ResourceInUseException"),
    ]
    assert requests[0]["params"] == {"ProjectName": "p"}
    assert isinstance(requests[0]["timestamp"], float)
    assert cleared.status_code == 200
    assert json.loads(http.get("/_emulator/requests").get_data())["requests"] == []


def test_control_endpoint_faults_advance_and_reset(http, emulator_app):
    armed = http.post("/_emulator/faults", json={"fault": "throttle_next", "count": 1, "operation": "DescribeProjects"})
    throttled = call(http, "DescribeProjects", {})
    emulator_app.configure(project_create_delay=10)
    call(http, "CreateProject", {"ProjectName": "p"})
    advanced = http.post("/_emulator/advance", json={"seconds": 10})
    status_after = call(http, "DescribeProjects", {})[2]["ProjectDescriptions"][0]["Status"]
    reset = http.post("/_emulator/reset")

    assert armed.status_code == advanced.status_code == reset.status_code == 200
    assert throttled[2]["Code"] == "ThrottlingException"
    assert status_after == "CREATED"
    assert call(http, "DescribeProjects", {})[2]["ProjectDescriptions"] == []
    assert emulator_app.config.project_create_delay == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_emulator/faults", {"fault": "explode"}, 400),
        ("POST", "/_emulator/faults", {"fault": "throttle_next", "count": 0}, 400),
        ("POST", "/_emulator/faults", {"fault": "throttle_next", "bogus": 1}, 400),
        ("POST", "/_emulator/faults", {"fault": "delete_dataset", "arn": "arn:nope"}, 400),
        ("POST", "/_emulator/advance", {"seconds": -1}, 400),
        ("GET", "/_emulator/nothing", None, 404),
    ],
)
def test_control_endpoint_refuses_bad_requests(http, method, path, body, status):
    response = http.open(path, method=method, json=body)

    assert response.status_code == status
    assert json.loads(response.get_data())["error"]
