"""The one-time EventBridge Scheduler schedule that stops a served model version after a set time.

Its name is ``AUTO_STOP_SCHEDULE_PREFIX`` + a hash of the version ARN (the handler's IAM policy is scoped to the
prefix), so every step finds it again without state; its target is Scheduler's universal target for
StopProjectVersion, called with the role the constructs pass, and the schedule deletes itself once it has run.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_schema import AUTO_STOP_SCHEDULE_PREFIX
from rekognition_datasets_handler.retry import error_code, is_transient

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_scheduler import EventBridgeSchedulerClient

#: EventBridge Scheduler's universal target for Rekognition StopProjectVersion.
STOP_TARGET = "arn:aws:scheduler:::aws-sdk:rekognition:stopProjectVersion"
#: The schedule group the schedules live in (the handler's policy names it).
GROUP = "default"


def schedule_name(version_arn: str) -> str:
    """The auto-stop schedule's name for ``version_arn`` (47 characters; Scheduler allows 64)."""
    return AUTO_STOP_SCHEDULE_PREFIX + hashlib.sha256(version_arn.encode()).hexdigest()[:24]


def put(scheduler: EventBridgeSchedulerClient, version_arn: str, role_arn: str, minutes: int, now: datetime) -> str:
    """Create the schedule to stop ``version_arn`` ``minutes`` after ``now``; returns that time (ISO 8601, UTC).

    A schedule of that name already there (a re-delivered event) is replaced: the name is derived from this
    version's ARN with our prefix, so it is this version's auto-stop, and the new one carries the declared role
    and time.
    """
    at = (now.astimezone(UTC) + timedelta(minutes=minutes)).replace(microsecond=0, tzinfo=None)
    request = {
        "Name": schedule_name(version_arn),
        "GroupName": GROUP,
        "ScheduleExpression": f"at({at.isoformat()})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Description": f"Stops {version_arn[-400:]}",
        "Target": {"Arn": STOP_TARGET, "RoleArn": role_arn, "Input": json.dumps({"ProjectVersionArn": version_arn})},
    }

    def create() -> object:
        return scheduler.create_schedule(**request)  # type: ignore[arg-type]

    if _call(create, "CreateSchedule", expected="ConflictException"):
        remove(scheduler, version_arn)
        _call(create, "CreateSchedule")
    return at.isoformat() + "Z"


def remove(scheduler: EventBridgeSchedulerClient, version_arn: str) -> None:
    """Delete the version's auto-stop schedule; one that is missing (never made, or already fired) is fine."""
    _call(
        lambda: scheduler.delete_schedule(Name=schedule_name(version_arn), GroupName=GROUP),
        "DeleteSchedule",
        expected="ResourceNotFoundException",
    )


def _call(call: Callable[[], object], operation: str, expected: str = "") -> bool:
    """Run one Scheduler call; True when it failed with the ``expected`` error code. Transient errors propagate
    (retried); any other error is a short terminal one."""
    try:
        call()
    except ClientError as exc:
        code = error_code(exc)
        if is_transient(exc):
            raise
        if code == expected:
            return True
        message = str(exc.response.get("Error", {}).get("Message", ""))[:300]
        raise ProviderError(f"EventBridge Scheduler {operation} failed: {code}: {message}") from exc
    return False
