"""Real-format CloudFormation events and a driver that plays the CDK Provider framework's role."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.provider import is_complete, on_event
from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/DatasetsStack/4f1c2a30-9b7e-11ee-8c90-0242ac120002"
OTHER_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/OtherStack/0a1b2c3d-9b7e-11ee-8c90-0242ac120002"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:DatasetsStack-ProviderframeworkonEvent-AbC123"
FRAMEWORK_STACK = (
    "Error: {message}\n\nLogs: /aws/lambda/DatasetsStack-ProviderframeworkisComplete-XyZ789\n\n"
    "    at invokeUserFunction (/var/task/framework.js:2:6)\n"
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
    "    at async isComplete (/var/task/framework.js:1:1045)\n"
    "    at async Runtime.handler (/var/task/cfn-response.js:1:1676)"
)
_counter = itertools.count()


def event(
    request_type: str,
    properties: dict[str, Any],
    *,
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = "TrainingData",
    resource_type: str = DATASET_RESOURCE_TYPE,
    stack_id: str = STACK_ID,
    request_id: str | None = None,
) -> dict[str, Any]:
    """A CloudFormation custom-resource request as the Provider framework passes it to ``on_event``."""
    request_id = request_id or str(uuid.uuid4())
    framework = {"ServiceToken": SERVICE_TOKEN, "ServiceTimeout": "3000"}
    body: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/{next(_counter)}"
        "?X-Amz-Signature=secret",
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {**framework, **properties},
    }
    if old is not None:
        body["OldResourceProperties"] = {**framework, **old}
    if physical_id is not None:
        body["PhysicalResourceId"] = physical_id
    return body


@dataclass
class Response:
    """What the framework would PUT to the ResponseURL."""

    status: str
    physical_id: str | None
    data: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    polls: int = 0

    def body(self, request: dict[str, Any]) -> str:
        """The JSON body (which CloudFormation limits to 4096 bytes)."""
        return json.dumps(
            {
                "Status": self.status,
                "Reason": self.reason or self.status,
                "StackId": request["StackId"],
                "RequestId": request["RequestId"],
                "PhysicalResourceId": self.physical_id,
                "LogicalResourceId": request["LogicalResourceId"],
                "NoEcho": False,
                "Data": self.data,
            }
        )


def run(
    request: dict[str, Any], runtime: Runtime, *, max_polls: int = 60, tick: Callable[[], None] | None = None
) -> Response:
    """on_event, then is_complete until done, as the framework does; a raised error becomes FAILED.

    ``tick`` runs before each poll (e.g. to move the emulator's clock by the framework's query interval).
    """
    try:
        result = on_event(request, None, runtime)
    except ProviderError as exc:
        marker = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
        pid = marker if request["RequestType"] == "Create" else request.get("PhysicalResourceId")
        return Response("FAILED", pid, reason=FRAMEWORK_STACK.format(message=exc))
    merged = {**request, **result}
    for poll in range(1, max_polls + 1):
        if tick is not None:
            tick()
        try:
            answer = is_complete(merged, None, runtime)
        except ProviderError as exc:
            return Response(
                "FAILED", merged["PhysicalResourceId"], reason=FRAMEWORK_STACK.format(message=exc), polls=poll
            )
        if answer["IsComplete"]:
            assert set(answer) <= {"IsComplete", "PhysicalResourceId", "Data"}
            pid = answer.get("PhysicalResourceId", merged["PhysicalResourceId"])
            return Response("SUCCESS", pid, data=answer.get("Data", {}), polls=poll)
        assert set(answer) == {"IsComplete"}, "Data is not allowed while IsComplete is False"
    raise AssertionError(f"not complete after {max_polls} polls")


def exists(rekognition: RekognitionClient, arn: str) -> bool:
    """Whether DescribeDataset still finds the dataset."""
    try:
        rekognition.describe_dataset(DatasetArn=arn)
    except rekognition.exceptions.ResourceNotFoundException:
        return False
    return True
