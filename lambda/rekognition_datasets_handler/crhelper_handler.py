"""Plain CloudFormation / SAM entry point (ServiceToken = this Lambda), built on crhelper's polling.

``handler`` creates crhelper's ``CfnResource`` on first call (no boto3 clients or network at import) and again
when the environment's region or endpoints change. ``create``/``update``/``delete`` take the first reconcile step
and return the physical id; crhelper then polls through an EventBridge rule every
``REKOGNITION_DATASETS_POLL_MINUTES`` (default 1) and ``poll_*`` run one step each, returning the physical id
(never ``True``, which would make crhelper invent a new id and so a replacement) when done, ``None`` otherwise.
Never use this inside the CDK Provider framework (use ``rekognition_datasets_handler.provider``), and never run it with
``AWS_SAM_LOCAL`` set: crhelper then skips polling and sends no response at all.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from rekognition_datasets_handler import core
from rekognition_datasets_handler.errors import ProviderError, shorten
from rekognition_datasets_handler.events import STEP_KEY
from rekognition_datasets_handler.model_schema import WATCH_EVENT_KEY
from rekognition_datasets_handler.runtime import Runtime
from rekognition_datasets_handler.schema import ENV_POLL_MINUTES

#: crhelper keeps the *tail* of a Reason longer than 256 characters; keep ours within that so the head survives.
CRHELPER_REASON_CHARS = 256
_HELPER_ENV = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_EVENTS",
    "AWS_ENDPOINT_URL_LAMBDA",
    ENV_POLL_MINUTES,
)


def poll_minutes() -> int:
    """Polling interval in minutes from the environment (EventBridge's minimum, 1, by default)."""
    value = os.environ.get(ENV_POLL_MINUTES, "1")
    return int(value) if value.isdigit() and 1 <= int(value) <= 60 else 1


def _short(exc: ProviderError) -> ProviderError:
    return ProviderError(shorten(str(exc), CRHELPER_REASON_CHARS))


def _start(event: dict[str, Any], context: object) -> str | None:
    try:
        request, outcome = core.start(event, Runtime.from_env().with_context(context))
    except ProviderError as exc:
        raise _short(exc) from exc
    if outcome.step:  # crhelper hands its Data to every poll: there the step reaches them, as STEP_KEY does
        _helper(*_env_key()).Data[STEP_KEY] = outcome.step
    if request.request_type == "Delete":
        return request.physical_id
    return outcome.physical_id or request.physical_id


def _poll(event: dict[str, Any], context: object) -> str | None:
    data: dict[str, Any] = event["CrHelperData"] if isinstance(event.get("CrHelperData"), dict) else {}
    step = _helper(*_env_key()).Data.pop(STEP_KEY, None)  # never part of the response's Data
    if isinstance(step, str):
        # the poll acts on what on_event took its step on: the id it returned, as is_complete gets it
        event = {**event, STEP_KEY: step, "PhysicalResourceId": data.get("PhysicalResourceId")}
    elif "PhysicalResourceId" not in event and data.get("PhysicalResourceId"):
        event = {**event, "PhysicalResourceId": data["PhysicalResourceId"]}
    try:
        request, outcome = core.poll(event, Runtime.from_env())
    except ProviderError as exc:
        raise _short(exc) from exc
    if not outcome.complete:
        return None
    _helper(*_env_key()).Data.update(outcome.data)
    if request.request_type == "Delete":
        return request.physical_id
    return outcome.physical_id or request.physical_id


def _env_key() -> tuple[str | None, ...]:
    return tuple(os.environ.get(k) for k in _HELPER_ENV)


@lru_cache(maxsize=4)
def _helper(*env: str | None) -> Any:
    from crhelper import CfnResource

    # crhelper logs whole events (ResponseURL included) at DEBUG: keep its own logging at WARNING.
    helper = CfnResource(json_logging=False, log_level="WARNING", polling_interval=poll_minutes(), sleep_on_delete=0)
    for register in (helper.create, helper.update, helper.delete):
        register(_start)
    for register in (helper.poll_create, helper.poll_update, helper.poll_delete):
        register(_poll)
    return helper


def handler(event: dict[str, Any], context: object) -> None:
    """Lambda handler: crhelper answers CloudFormation itself (now, or from the last poll). A model watch rule's
    invocation (``WATCH_EVENT_KEY``) runs the training watch instead."""
    if isinstance(event, dict) and WATCH_EVENT_KEY in event:
        from rekognition_datasets_handler import watch

        watch.run(event, Runtime.from_env().with_context(context))
        return
    if os.environ.get("AWS_SAM_LOCAL"):
        Runtime.from_env().log.error(
            "AWS_SAM_LOCAL is set: crhelper skips polling and never answers CloudFormation; unset it",
            step="environment",
        )
    _helper(*_env_key())(event, context)
