"""Find a stack's Lambda functions by ARN and turn their recorded resource into something the host can run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.errors import ResourceFailed, RunnerError
from rekognition_datasets_local.runner.lambda_host import FunctionCrashed, FunctionSpec, fetch_code

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.resources.base import Deployment
    from rekognition_datasets_local.runner.state import ResourceState

FUNCTION_TYPE = "AWS::Lambda::Function"
#: What CloudFormation reports when a custom resource's function never answers.
NO_RESPONSE = "CloudFormation did not receive a response from your Custom Resource. Please check your logs"


def function_by_arn(d: Deployment, arn: str) -> ResourceState:
    """The stack's function with this ARN (service tokens must name a function of the same stack offline)."""
    found = d.resource_by_attribute("Arn", arn)
    if found is None or found.type != FUNCTION_TYPE:
        raise ResourceFailed(f"ServiceToken {arn} is not a Lambda function of this stack (cross-stack is not offline)")
    return found


def environment(function: ResourceState) -> Mapping[str, str]:
    variables = (function.properties.get("Environment") or {}).get("Variables") or {}
    return {str(k): str(v) for k, v in variables.items()}


def spec(d: Deployment, function: ResourceState) -> FunctionSpec:
    """Download the function's code from the emulator's S3 and describe how to run it."""
    props = function.properties
    code = props.get("Code") or {}
    try:
        code_dir = fetch_code(d.clients.s3, code, d.code_cache)
    except (ClientError, RunnerError) as exc:
        raise ResourceFailed(f"cannot fetch the code of function {function.physical_id} ({dict(code)}): {exc}") from exc
    return FunctionSpec(
        name=function.physical_id,
        arn=str(function.attributes["Arn"]),
        handler=str(props.get("Handler", "index.handler")),
        runtime=str(props.get("Runtime", "")),
        code_dir=code_dir,
        environment=environment(function),
        timeout_seconds=float(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
    )


def invoke_async(d: Deployment, function: FunctionSpec, event: Mapping[str, Any], logical_id: str) -> Any:
    """Invoke as CloudFormation does (asynchronously): when the runtime dies, Lambda re-delivers the event."""
    attempt = 0
    while True:
        try:
            return d.host.invoke(function, event)
        except FunctionCrashed as exc:
            if attempt == d.config.redeliveries:
                raise ResourceFailed(NO_RESPONSE) from exc
            attempt += 1
            d.note(logical_id, f"{function.name}: {exc}; Lambda re-delivers the event")
