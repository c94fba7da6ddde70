"""The CDK Provider framework (``custom_resources.Provider``), emulated around the REAL user handlers.

CloudFormation calls the framework's onEvent function; it calls the user's on_event, works out the physical
id, then the waiter state machine calls the user's is_complete every ``IntervalSeconds`` for at most
``MaxAttempts`` retries before answering "Operation timed out". The user functions run from their bundled code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import CREATE_FAILED_MARKER
from rekognition_datasets_local.runner import logs, quotas
from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.lambda_host import FunctionCrashed, FunctionError, FunctionSpec
from rekognition_datasets_local.runner.resources import functions
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome
from rekognition_datasets_local.runner.resources.events import success_body

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.state import ResourceState

ON_EVENT_VARIABLE = "USER_ON_EVENT_FUNCTION_ARN"
IS_COMPLETE_VARIABLE = "USER_IS_COMPLETE_FUNCTION_ARN"
WAITER_VARIABLE = "WAITER_STATE_MACHINE_ARN"


@dataclass(frozen=True)
class Waiter:
    """The waiter state machine's retry policy."""

    interval_seconds: float = 5.0
    max_attempts: int = 360


def is_framework(function: ResourceState) -> bool:
    return ON_EVENT_VARIABLE in functions.environment(function)


def _waiter(d: Deployment, framework: ResourceState) -> Waiter:
    arn = functions.environment(framework).get(WAITER_VARIABLE)
    machine = d.resource_by_attribute("Ref", arn) if arn else None
    if machine is None:
        return Waiter()
    definition = json.loads(str(machine.properties.get("DefinitionString", "{}")))
    for state in definition.get("States", {}).values():
        for retry in state.get("Retry", []):
            return Waiter(float(retry.get("IntervalSeconds", 1)), int(retry.get("MaxAttempts", 3)))
    return Waiter()


def _failure(d: Deployment, exc: FunctionError, function: FunctionSpec) -> str:
    return f"{exc.error_message}\n\n{logs.failure_tail(d.host, function.name)}"


def run(d: Deployment, framework: ResourceState, event: dict[str, Any]) -> Outcome:
    """Handle one CloudFormation request the way the framework does; raises ResourceFailed on FAILED."""
    request_type = event["RequestType"]
    if request_type == "Delete" and event.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
        d.note(event["LogicalResourceId"], "Delete of the CREATE_FAILED marker: answered without calling the handler")
        return Outcome(CREATE_FAILED_MARKER)
    env = functions.environment(framework)
    on_event = functions.spec(d, functions.function_by_arn(d, env[ON_EVENT_VARIABLE]))
    failed_id = CREATE_FAILED_MARKER if request_type == "Create" else event.get("PhysicalResourceId")
    try:
        result = functions.invoke_async(d, on_event, event, event["LogicalResourceId"]) or {}
    except FunctionError as exc:
        raise ResourceFailed(_failure(d, exc, on_event), failed_id) from exc
    if not isinstance(result, dict):
        raise ResourceFailed("return values from user-handlers must be JSON objects", failed_id)
    physical_id = str(result.get("PhysicalResourceId") or event.get("PhysicalResourceId") or event["RequestId"])
    if request_type == "Delete" and physical_id != event["PhysicalResourceId"]:
        raise ResourceFailed(
            f'DELETE: cannot change the physical resource ID from "{event["PhysicalResourceId"]}" to '
            f'"{physical_id}" during deletion',
            event["PhysicalResourceId"],
        )
    resource_event = {**event, **result, "PhysicalResourceId": physical_id}
    if IS_COMPLETE_VARIABLE in env:
        resource_event = _wait_complete(d, framework, env[IS_COMPLETE_VARIABLE], resource_event)
    physical_id = str(resource_event["PhysicalResourceId"])
    data = resource_event.get("Data") or {}
    quotas.check_custom_response(success_body(event, physical_id, data), event["LogicalResourceId"], physical_id)
    return Outcome(physical_id, data)


def _wait_complete(d: Deployment, framework: ResourceState, arn: str, event: dict[str, Any]) -> dict[str, Any]:
    is_complete = functions.spec(d, functions.function_by_arn(d, arn))
    waiter = _waiter(d, framework)
    physical_id = str(event["PhysicalResourceId"])
    for attempt in range(waiter.max_attempts + 1):
        if attempt:
            d.wait(waiter.interval_seconds)
        try:
            result = d.host.invoke(is_complete, event) or {}
        except FunctionCrashed:
            continue  # the waiter's Retry catches States.ALL: a crashed task is one more attempt
        except FunctionError as exc:
            raise ResourceFailed(_failure(d, exc, is_complete), physical_id) from exc
        if result.get("IsComplete"):
            return {**event, **result, "Data": {**(event.get("Data") or {}), **(result.get("Data") or {})}}
        if result.get("Data"):
            raise ResourceFailed('"Data" is not allowed if "IsComplete" is "False"', physical_id)
    raise ResourceFailed("Operation timed out", physical_id)


def attribute_error(name: str) -> ResourceFailed:
    return ResourceFailed(f"CustomResource attribute error: Vendor response doesn't contain {name} attribute")
