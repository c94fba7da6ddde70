"""A plain Python Lambda as ServiceToken (crhelper): invoked with a real HTTPS ResponseURL, answers by PUT.

crhelper polls by creating an EventBridge ``rate()`` rule in the emulator (moto) whose target input is the
event; ``eventbridge.ScheduledRules`` fires it (its rate scaled by the interval factor) until the handler
removes the rule, and the answer is whatever the handler PUT to the ResponseURL. CloudFormation gives up after
``ServiceTimeout`` seconds: here, after as many polls as fit in it.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner import logs, quotas
from rekognition_datasets_local.runner.assets import zip_directory
from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.eventbridge import FIRING, PollingNeverEnded, ScheduledRules
from rekognition_datasets_local.runner.lambda_host import FunctionError, FunctionSpec
from rekognition_datasets_local.runner.resources import functions
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.state import ResourceState

_REGISTER = threading.Lock()
#: The role the runner registers functions with in the emulator's Lambda (which insists the role exists).
_ROLE = "rekognition-datasets-runner-function"
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
_DEFAULT_SERVICE_TIMEOUT = 3600
_MIN_RATE_SECONDS = 60


def _register(d: Deployment, spec: FunctionSpec) -> None:
    """Make the function exist in the emulator's Lambda (moto), where crhelper adds permissions to itself."""
    lambda_ = d.clients.lambda_
    if lambda_ is None:
        return
    with _REGISTER:
        try:
            lambda_.get_function(FunctionName=spec.name)
            return
        except lambda_.exceptions.ResourceNotFoundException:
            pass
        iam = d.clients.iam()
        try:
            role = iam.get_role(RoleName=_ROLE)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            role = iam.create_role(RoleName=_ROLE, AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]
        lambda_.create_function(
            FunctionName=spec.name,
            Runtime=spec.runtime,  # type: ignore[arg-type]
            Role=role,
            Handler=spec.handler,
            Code={"ZipFile": zip_directory(spec.code_dir)},
            Timeout=int(spec.timeout_seconds),
        )


def run(d: Deployment, function: ResourceState, event: dict[str, Any]) -> Outcome:
    """Send the request to the function and wait for the response it PUTs (polling its rules meanwhile)."""
    receiver = d.response_receiver()
    url = receiver.url()
    event = {**event, "ResponseURL": url}
    spec = functions.spec(d, function)
    spec = dataclasses.replace(spec, environment={**spec.environment, "SSL_CERT_FILE": str(receiver.bundle())})
    _register(d, spec)
    try:
        functions.invoke_async(d, spec, event, event["LogicalResourceId"])
        if not receiver.responses(url):
            _poll(d, spec, event)
        response = receiver.wait(url, timeout=spec.timeout_seconds)
    except FunctionError as exc:
        raise ResourceFailed(f"{exc.error_message}\n\n{logs.failure_tail(d.host, spec.name)}") from exc
    except (TimeoutError, PollingNeverEnded) as exc:
        raise ResourceFailed(functions.NO_RESPONSE, event.get("PhysicalResourceId")) from exc
    quotas.check_custom_response(
        receiver.raw_responses(url)[0], event["LogicalResourceId"], event.get("PhysicalResourceId")
    )
    physical_id = str(response.get("PhysicalResourceId") or "")
    if response.get("Status") != "SUCCESS":
        raise ResourceFailed(str(response.get("Reason") or "FAILED"), physical_id or event.get("PhysicalResourceId"))
    if not physical_id:
        raise ResourceFailed("Invalid PhysicalResourceId", event.get("PhysicalResourceId"))
    return Outcome(physical_id, response.get("Data") or {})


def _poll(d: Deployment, spec: FunctionSpec, event: dict[str, Any]) -> None:
    if d.clients.events is None:
        raise ResourceFailed("the handler polls through EventBridge, but AWS_ENDPOINT_URL_EVENTS is not set")
    timeout = float(event["ResourceProperties"].get("ServiceTimeout", _DEFAULT_SERVICE_TIMEOUT))
    with FIRING:
        rules = ScheduledRules(
            events=d.clients.events,
            handler=lambda payload, _context: d.host.invoke(spec, payload),
            context_factory=lambda name: name,
            time_scale=d.config.interval_factor,
            sleep=d.sleep,
        )
        rules.run(max_invocations=max(1, int(timeout // _MIN_RATE_SECONDS)))
