"""``Custom::RekognitionModelServing`` properties, typed and validated (every leaf arrives as a string)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_properties import version_arn_property
from rekognition_datasets_handler.model_schema import MODEL_SERVING_OPTIONAL_KEYS, MODEL_SERVING_REQUIRED_KEYS
from rekognition_datasets_handler.properties import check_keys, string_property

if TYPE_CHECKING:
    from collections.abc import Mapping

MODEL_SERVING_KEYS = frozenset(MODEL_SERVING_REQUIRED_KEYS + MODEL_SERVING_OPTIONAL_KEYS)
#: botocore's Target.RoleArn pattern (EventBridge Scheduler).
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
#: [infer] no documented ceiling; a year keeps the at() date well inside what Scheduler and datetime take.
MAX_AUTO_STOP_MINUTES = 366 * 24 * 60


class ServingSpec(NamedTuple):
    """What to serve: a version, its inference units, and when (if ever) a schedule stops it."""

    version_arn: str
    min_units: int
    max_units: int | None = None
    auto_stop_minutes: int | None = None
    scheduler_role_arn: str | None = None


def _whole_number(props: Mapping[str, Any], key: str, minimum: int, maximum: int) -> int | None:
    value = props.get(key)
    if value is None:
        return None
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 12 or not minimum <= int(text) <= maximum:
        raise ProviderError(f"{key} must be a whole number from {minimum} to {maximum}, got {value!r:.40}.")
    return int(text)


def parse_serving(props: Mapping[str, Any]) -> ServingSpec:
    """Validate the properties; one short ``ProviderError`` naming the first bad field and the fix."""
    check_keys(props, MODEL_SERVING_KEYS, "model serving")
    arn = version_arn_property(props)
    if props.get("MinInferenceUnits") is None:
        raise ProviderError("MinInferenceUnits is required: the number of inference units to start (>= 1).")
    # [infer] the API reference sets no maximum; the service's quota refuses what the account may not run.
    min_units = _whole_number(props, "MinInferenceUnits", 1, 10_000)
    max_units = _whole_number(props, "MaxInferenceUnits", 1, 10_000)
    assert min_units is not None
    if max_units is not None and max_units < min_units:
        raise ProviderError(
            f"MaxInferenceUnits ({max_units}) must be >= MinInferenceUnits ({min_units}); raise it or omit it."
        )
    minutes = _whole_number(props, "AutoStopAfterMinutes", 1, MAX_AUTO_STOP_MINUTES)
    role = string_property(props, "SchedulerRoleArn", required=False, max_len=1600)
    if minutes is not None and role is None:
        raise ProviderError(
            "SchedulerRoleArn is required with AutoStopAfterMinutes: the role EventBridge Scheduler assumes to "
            "call rekognition:StopProjectVersion."
        )
    if role is not None and not ROLE_ARN.match(role):
        raise ProviderError(f"SchedulerRoleArn must be an IAM role ARN, got {role!r:.120}.")
    return ServingSpec(
        version_arn=arn, min_units=min_units, max_units=max_units, auto_stop_minutes=minutes, scheduler_role_arn=role
    )
