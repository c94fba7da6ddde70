"""The plain-CloudFormation handler, end to end: crhelper's real EventBridge polling and HTTPS responses."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_handler.crhelper_handler import handler
from rekognition_datasets_handler.schema import DATASET_ATTRIBUTES, ENV_CALL_BUDGET_SECONDS
from rekognition_datasets_local.runner.cfn_response import ResponseReceiver
from rekognition_datasets_local.runner.eventbridge import ScheduledRules

from .cfn import ACCOUNT, REGION, event
from .inherited_helpers import IMPORT_SECONDS, first_delivery_left_an_import_running

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

FUNCTION = "DatasetsStack-DatasetProvider-Fn1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"


@dataclass
class LambdaContext:
    function_name: str = FUNCTION
    aws_request_id: str = "4a6c1e4e-0000-4000-8000-000000000001"
    invoked_function_arn: str = FUNCTION_ARN

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture(scope="module")
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as running:
        yield running


@pytest.fixture
def function(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A placeholder for the handler's own function in moto (crhelper's lambda:AddPermission needs it)."""
    monkeypatch.setenv(ENV_CALL_BUDGET_SECONDS, "1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    iam = boto3.client("iam", endpoint_url=emulator.s3_url)
    role = iam.create_role(RoleName="provider-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("placeholder.py", "def handler(event, context):\n    return None\n")
    boto3.client("lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role,
        Handler="placeholder.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return FUNCTION


def crhelper_event(
    receiver: ResponseReceiver, request_type: str, props: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    request = event(request_type, props, **kwargs)
    request["ResponseURL"] = receiver.url()
    request["ServiceToken"] = request["ResourceProperties"]["ServiceToken"] = FUNCTION_ARN
    del request["ResourceProperties"]["ServiceTimeout"]
    request.pop("OldResourceProperties", {}).pop("ServiceTimeout", None)
    if "old" in kwargs and kwargs["old"] is not None:
        request["OldResourceProperties"] = {"ServiceToken": FUNCTION_ARN, **kwargs["old"]}
    return request


def deploy(receiver: ResponseReceiver, request: dict[str, Any]) -> tuple[dict[str, Any], ScheduledRules]:
    """Invoke as CloudFormation would, then let the emulated EventBridge fire crhelper's rule until it answers."""
    rules = ScheduledRules(boto3.client("events"), handler, lambda name: LambdaContext(function_name=name))
    with receiver.trusting():
        handler(request, LambdaContext())
        rules.run(max_invocations=50)
    response = receiver.wait(request["ResponseURL"], timeout=10)
    assert len(receiver.raw_responses(request["ResponseURL"])) == 1
    assert len(receiver.raw_responses(request["ResponseURL"])[0]) < 4096
    return response, rules


def test_create_update_delete_through_crhelper_polling(
    receiver: ResponseReceiver,
    function: str,
    project_arn: str,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    props = {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Tags": {"team": "a"}}
    # Create: no answer until a poll finds the dataset complete
    created, rules = deploy(receiver, crhelper_event(receiver, "Create", props))
    assert created["Status"] == "SUCCESS", created["Reason"]
    arn = created["PhysicalResourceId"]
    assert "/dataset/train/" in arn
    assert set(created["Data"]) == set(DATASET_ATTRIBUTES)
    assert rules.invocations >= 1 and len(rules.removed) == 1
    assert boto3.client("events").list_rules()["Rules"] == []
    with pytest.raises(boto3.client("lambda").exceptions.ResourceNotFoundException):
        boto3.client("lambda").get_policy(FunctionName=function)  # every permission crhelper added is gone
    # Update (tags only): same physical id, never a crhelper-generated one
    new = {**props, "Tags": {"team": "b"}}
    updated, _ = deploy(receiver, crhelper_event(receiver, "Update", new, old=props, physical_id=arn))
    assert updated["Status"] == "SUCCESS" and updated["PhysicalResourceId"] == arn
    assert rekognition_client.list_tags_for_resource(ResourceArn=arn)["Tags"]["team"] == "b"
    # Delete: polled until the dataset is gone, same physical id
    deleted, _ = deploy(receiver, crhelper_event(receiver, "Delete", new, physical_id=arn))
    assert deleted["Status"] == "SUCCESS" and deleted["PhysicalResourceId"] == arn
    assert emulator.request_log.count("DeleteDataset", "OK") == 1
    with pytest.raises(rekognition_client.exceptions.ResourceNotFoundException):
        rekognition_client.describe_dataset(DatasetArn=arn)


def test_bad_property_fails_at_once_with_the_head_of_the_message(
    receiver: ResponseReceiver, function: str, project_arn: str, emulator: Emulator
) -> None:
    request = crhelper_event(receiver, "Create", {"ProjectArn": project_arn, "DatasetType": "train2"})
    response, rules = deploy(receiver, request)
    assert response["Status"] == "FAILED"
    assert response["Reason"] == "DatasetType must be TRAIN or TEST, got 'train2'."
    assert rules.invocations == 0 and emulator.request_log.count("CreateDataset") == 0


def test_terminal_failure_found_by_a_poll_is_reported_short(
    receiver: ResponseReceiver, function: str, project_arn: str, emulator: Emulator
) -> None:
    emulator.faults.fail_next(project_arn, "Injected: " + "the manifest is broken; " * 40)
    request = crhelper_event(receiver, "Create", {"ProjectArn": project_arn, "DatasetType": "TRAIN"})
    response, rules = deploy(receiver, request)
    assert response["Status"] == "FAILED"
    assert (
        response["Reason"].startswith("Dataset arn:aws:rekognition:") and "Injected: the manifest" in response["Reason"]
    )
    assert len(response["Reason"]) <= 256
    assert rules.removed and boto3.client("events").list_rules()["Rules"] == []
    # the rollback Delete with the physical id crhelper generated finds our failed dataset through the slot
    rollback = crhelper_event(
        receiver,
        "Delete",
        {"ProjectArn": project_arn, "DatasetType": "TRAIN"},
        physical_id=response["PhysicalResourceId"],
    )
    deleted, _ = deploy(receiver, rollback)
    assert deleted["Status"] == "SUCCESS"
    assert emulator.request_log.count("DeleteDataset", "OK") == 1


def test_receiver_body_is_the_json_crhelper_sent(receiver: ResponseReceiver) -> None:
    from crhelper.utils import _send_response

    url = receiver.url()
    with receiver.trusting():
        _send_response(url, {"Status": "SUCCESS", "Data": {"k": "v"}}, None)
    assert receiver.responses(url) == [{"Status": "SUCCESS", "Data": {"k": "v"}}]
    assert json.loads(receiver.raw_responses(url)[0]) == {"Status": "SUCCESS", "Data": {"k": "v"}}


def test_a_model_version_through_crhelper_and_its_watch_rule(
    receiver: ResponseReceiver, function: str, project: str, emulator: Emulator
) -> None:
    """crhelper answers the Create; the emulated EventBridge then fires the watch rule, which signals the handle."""
    from rekognition_datasets_handler.model_schema import MODEL_VERSION_RESOURCE_TYPE

    from .model_helpers import version_props

    handle = receiver.url("wait-handle")
    props = version_props(project, handle)
    request = crhelper_event(receiver, "Create", props, logical_id="Model", resource_type=MODEL_VERSION_RESOURCE_TYPE)
    created, rules = deploy(receiver, request)
    assert created["Status"] == "SUCCESS", created["Reason"]
    arn = created["PhysicalResourceId"]
    assert created["Data"] == {"ProjectVersionArn": arn, "VersionName": "v1"}
    (signal,) = receiver.responses(handle)
    assert signal["Status"] == "SUCCESS" and signal["UniqueId"] == "v1"
    assert len(rules.removed) == 2  # crhelper's poll rule and the watch rule, each removed by the handler
    assert boto3.client("events").list_rules()["Rules"] == []


def test_a_redelivered_update_rebuilds_the_import_its_first_delivery_left_running_when_it_fails(
    receiver: ResponseReceiver,
    function: str,
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    """The step on_event took (it met an import it did not start) reaches crhelper's polls, as it reaches the
    Provider framework's is_complete: the poll that finds that import failed rebuilds instead of failing."""
    old, new, arn = first_delivery_left_an_import_running(
        project_arn, runtime, put_object, emulator, rekognition_client
    )
    request = crhelper_event(receiver, "Update", new, old=old, physical_id=arn)
    rules = ScheduledRules(boto3.client("events"), handler, lambda name: LambdaContext(function_name=name))
    with receiver.trusting():
        handler(request, LambdaContext())  # on_event: the import still runs
        emulator.advance_time(IMPORT_SECONDS + 1)  # ... and has failed by the first poll
        rules.run(max_invocations=50)
    response = receiver.wait(request["ResponseURL"], timeout=10)
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert "DatasetProviderStep" not in response["Data"]
    held = rekognition_client.list_dataset_entries(DatasetArn=response["PhysicalResourceId"])["DatasetEntries"]
    assert len(held) == 5
