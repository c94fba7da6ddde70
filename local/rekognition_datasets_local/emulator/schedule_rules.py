"""What the emulated EventBridge Scheduler refuses beyond botocore's model, and how it reads a one-time schedule.

botocore's model checks lengths, enums and the role ARN; moto checks nothing of the expression or the target. The
service also refuses a malformed ``at()``/``rate()``/``cron()`` expression, an unknown time zone and a flexible
window without its size [doc]. The emulator runs one target, Scheduler's universal target for Rekognition
StopProjectVersion, against its own backend; any other target is refused at creation, since it would never run
[infer: fail safe, rather than accept a schedule that silently does nothing].
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rekognition_datasets_local.emulator.exceptions import ValidationException

#: The universal target the emulator runs: StopProjectVersion with the target's Input as its request.
STOP_TARGET = "arn:aws:scheduler:::aws-sdk:rekognition:stopProjectVersion"
UNIVERSAL_PREFIX = "arn:aws:scheduler:::aws-sdk:"
AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
RATE = re.compile(r"^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\(\S+( \S+){5}\)$")


def check_schedule(params: dict[str, Any]) -> None:
    """Refuse a CreateSchedule/UpdateSchedule request the service (or the emulator) would refuse."""
    expression = params["ScheduleExpression"]
    if not (AT.match(expression) or RATE.match(expression) or CRON.match(expression)):
        raise ValidationException(f"Invalid Schedule Expression {expression}.")  # [infer] the service's wording
    at_time(expression, params.get("ScheduleExpressionTimezone"))
    window = params["FlexibleTimeWindow"]
    if (window["Mode"] == "FLEXIBLE") != ("MaximumWindowInMinutes" in window):
        raise ValidationException("FlexibleTimeWindow: MaximumWindowInMinutes is required with Mode FLEXIBLE only.")
    target = params["Target"]
    if target["Arn"] != STOP_TARGET:
        kind = "universal target" if target["Arn"].startswith(UNIVERSAL_PREFIX) else "target"
        raise ValidationException(
            f"The emulator's EventBridge Scheduler does not run the {kind} {target['Arn'][:200]}; the one it runs "
            f"is {STOP_TARGET}."
        )
    stop_request(target.get("Input"))


def stop_request(text: str | None) -> str:
    """The ProjectVersionArn of a stop target's Input (a JSON StopProjectVersion request)."""
    try:
        request = json.loads(text) if text is not None else None
    except ValueError:
        request = None
    if not isinstance(request, dict) or set(request) != {"ProjectVersionArn"}:
        request = {}
    arn = request.get("ProjectVersionArn")
    if not isinstance(arn, str) or not arn:
        # [infer] the service reports a bad universal-target input when it invokes; refusing it up front is safer.
        raise ValidationException(
            f'Target.Input of {STOP_TARGET} must be a StopProjectVersion request: {{"ProjectVersionArn": "..."}}.'
        )
    return arn


def at_time(expression: str, timezone: str | None) -> float | None:
    """Epoch seconds of a one-time ``at()`` expression in ``timezone`` (default UTC); None for rate/cron."""
    match = AT.match(expression)
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationException(f"Invalid ScheduleExpressionTimezone {timezone[:50] if timezone else ''}.") from None
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)
    except ValueError:
        raise ValidationException(f"Invalid Schedule Expression {expression}.") from None
    return moment.timestamp()
