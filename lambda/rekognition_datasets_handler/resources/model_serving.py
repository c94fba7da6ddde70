"""``Custom::RekognitionModelServing``: one idempotent step per call toward "this version RUNNING with these units".

The physical id is the version ARN, so serving another version is a replacement: the new one starts, and
CloudFormation's cleanup Delete stops the old. New units on the same version stop it, wait until STOPPED, start it
with the new units and wait until RUNNING [infer: the API has no in-place unit change]. Delete stops the version
the physical id names, and only when the properties declare that same version (a failed Create's id, or anything
else, is left alone); it never deletes a version (the ModelVersion resource does). Every step reads the version's
status first, so a re-delivered event converges on the same state instead of repeating a call.

With ``AutoStopAfterMinutes`` a one-time EventBridge Scheduler schedule (``auto_stop``) stops the version that
long after it is RUNNING; Update and Delete remove it first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from rekognition_datasets_handler import auto_stop
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_schema import ATTR_AUTO_STOP_AT, ATTR_MODEL_STATUS, ATTR_PROJECT_VERSION_ARN
from rekognition_datasets_handler.model_service import SERVING, describe_version, parse_version_arn, project_of
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.runtime import Outcome
from rekognition_datasets_handler.serving_properties import ServingSpec, parse_serving

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.model_service import Version
    from rekognition_datasets_handler.runtime import Runtime

RUNNING, STARTING, STOPPING, FAILED = "RUNNING", "STARTING", "STOPPING", "FAILED"
#: Statuses StartProjectVersion takes. FAILED is a failed *start*: on_event retries it, a poll reports it.
STARTABLE = frozenset({"TRAINING_COMPLETED", "STOPPED", FAILED})
#: Statuses that settle by themselves before the version can be started or stopped.
SETTLING = frozenset({STARTING, STOPPING, "TRAINING_IN_PROGRESS"})


# ----------------------------------------------------------------------------------------------- entry points
def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: validate, drop the old auto-stop schedule of the same version, take the first step."""
    if request.request_type == "Delete":
        return runtime.budget.run("Stopping the model", lambda: _delete_step(request, runtime, first=True))
    spec = parse_serving(request.properties)
    if request.request_type == "Update" and _reschedules(request, spec):
        runtime.budget.run(
            "Removing the old auto-stop schedule", lambda: auto_stop.remove(runtime.scheduler, spec.version_arn)
        )
    return runtime.budget.run("Starting the model", lambda: _step(spec, runtime, first=True))


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: one step (a FAILED start is now this request's failure)."""
    if request.request_type == "Delete":
        return _delete_step(request, runtime, first=False)
    return _step(parse_serving(request.properties), runtime, first=False)


def _reschedules(request: Request, spec: ServingSpec) -> bool:
    """True when an Update of the same version had or wants an auto-stop (its schedule is made afresh)."""
    old = request.old_properties or {}
    return old.get("ProjectVersionArn") == spec.version_arn and (
        old.get("AutoStopAfterMinutes") is not None or spec.auto_stop_minutes is not None
    )


# ----------------------------------------------------------------------------------------------- steps
def _step(spec: ServingSpec, runtime: Runtime, *, first: bool) -> Outcome:
    rek = runtime.clients.rekognition
    arn = spec.version_arn
    version = read_version(rek, arn)
    if version is None:
        raise ProviderError(f"Model version {arn} does not exist (or its project does not); train it first.")
    log = runtime.log.bind(version_arn=arn, status=version.status)
    waiting = Outcome(complete=False, physical_id=arn)
    if version.status == RUNNING:
        if _units_match(spec, version):
            if first:  # both entry points answer from a poll (on_event's answer carries no Data): it schedules
                log.info("model already running", step="running")
                return waiting
            log.info("model running", step="complete")
            return _running(spec, runtime)
        log.info("stopping to change the inference units", step="stop-for-units")
        _call(lambda: rek.stop_project_version(ProjectVersionArn=arn), "StopProjectVersion")
        return waiting
    if version.status in SETTLING:
        log.info("waiting for the model", step="wait")
        return waiting
    if version.status == FAILED and not first:
        log.error("model failed to start", step="failed")
        reason = f": {version.status_message[:500]}" if version.status_message else ""
        raise ProviderError(f"Model version {arn} failed to start{reason}")
    if version.status in STARTABLE:
        log.info("starting the model", step="start")
        units = {"MaxInferenceUnits": spec.max_units} if spec.max_units is not None else {}
        _call(
            lambda: rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=spec.min_units, **units),
            "StartProjectVersion",
        )
        return waiting
    reason = f" ({version.status_message[:300]})" if version.status_message else ""
    raise ProviderError(f"Model version {arn} is {version.status}{reason}; only a trained version can be served.")


def _running(spec: ServingSpec, runtime: Runtime) -> Outcome:
    data = {ATTR_PROJECT_VERSION_ARN: spec.version_arn, ATTR_MODEL_STATUS: RUNNING, ATTR_AUTO_STOP_AT: ""}
    if spec.auto_stop_minutes is not None and spec.scheduler_role_arn is not None:
        data[ATTR_AUTO_STOP_AT] = auto_stop.put(
            runtime.scheduler, spec.version_arn, spec.scheduler_role_arn, spec.auto_stop_minutes, datetime.now(UTC)
        )
        runtime.log.info("auto-stop scheduled", step="auto-stop", auto_stop_at=data[ATTR_AUTO_STOP_AT])
    return Outcome(complete=True, physical_id=spec.version_arn, data=data)


def _delete_step(request: Request, runtime: Runtime, *, first: bool) -> Outcome:
    """Stop the version this resource served; gone, stopped or never started is fine."""
    arn = request.physical_id or ""
    done = Outcome(complete=True, physical_id=request.physical_id)
    if parse_version_arn(arn) is None or arn != request.properties.get("ProjectVersionArn"):
        runtime.log.info("the physical id is no version this resource serves: nothing to stop", step="delete-noop")
        return done
    rek = runtime.clients.rekognition
    if first and request.properties.get("AutoStopAfterMinutes") is not None:
        # Only then: without auto-stop the constructs grant no Scheduler permission (an Update that dropped it
        # removed the schedule already).
        auto_stop.remove(runtime.scheduler, arn)
    version = read_version(rek, arn)
    log = runtime.log.bind(version_arn=arn, status=version.status if version else "GONE")
    if version is None or version.status not in SERVING | {STOPPING}:
        log.info("model stopped", step="delete-complete")
        return done
    if version.status in SERVING:
        log.info("stopping the model", step="stop")
        _call(lambda: rek.stop_project_version(ProjectVersionArn=arn), "StopProjectVersion")
    else:
        log.info("waiting for the model to stop", step="wait")
    return Outcome(complete=False, physical_id=request.physical_id)


# ----------------------------------------------------------------------------------------------- service
def read_version(rek: RekognitionClient, arn: str) -> Version | None:
    """The version ``arn`` names, in the project its ARN names; None when either does not exist."""
    project_arn = project_of(rek, arn)
    return None if project_arn is None else describe_version(rek, project_arn, arn)


def _units_match(spec: ServingSpec, version: Version) -> bool:
    """The running units are the declared ones. [infer] Without MaxInferenceUnits the model does not scale, so
    an absent maximum (declared or described) is the minimum."""
    running_max = version.max_units or version.min_units
    return version.min_units == spec.min_units and running_max == (spec.max_units or spec.min_units)


def _call(call: Callable[[], object], operation: str) -> None:
    """Start or stop: a refusal because a change is under way means "read again next step" [infer:
    ResourceInUseException]; transient errors propagate (retried); anything else fails with the service's words."""
    try:
        call()
    except ClientError as exc:
        if is_transient(exc):
            raise
        if error_code(exc) == "ResourceInUseException":
            return
        message = str(exc.response.get("Error", {}).get("Message", ""))[:400]
        raise ProviderError(f"{operation} failed: {error_code(exc)}: {message}") from exc
