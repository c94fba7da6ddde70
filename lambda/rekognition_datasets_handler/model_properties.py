"""Typed, validated properties of the model resources (every leaf arrives as a string)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.gate import parse_min_f1
from rekognition_datasets_handler.model_schema import (
    MODEL_EVALUATION_OPTIONAL_KEYS,
    MODEL_EVALUATION_REQUIRED_KEYS,
    MODEL_VERSION_OPTIONAL_KEYS,
    MODEL_VERSION_REQUIRED_KEYS,
    PROJECT_MODELS_OPTIONAL_KEYS,
    PROJECT_MODELS_REQUIRED_KEYS,
)
from rekognition_datasets_handler.model_service import parse_version_arn
from rekognition_datasets_handler.properties import (
    S3_BUCKET,
    check_keys,
    flag_property,
    parse_tags,
    project_arn_property,
    string_property,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

MODEL_VERSION_KEYS = frozenset(MODEL_VERSION_REQUIRED_KEYS + MODEL_VERSION_OPTIONAL_KEYS)
MODEL_EVALUATION_KEYS = frozenset(MODEL_EVALUATION_REQUIRED_KEYS + MODEL_EVALUATION_OPTIONAL_KEYS)
PROJECT_MODELS_KEYS = frozenset(PROJECT_MODELS_REQUIRED_KEYS + PROJECT_MODELS_OPTIONAL_KEYS)
#: botocore's VersionName and KmsKeyId patterns.
VERSION_NAME = re.compile(r"^[a-zA-Z0-9_.\-]{1,255}$")
KMS_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_/+=,@.\-]{0,2047}$")
#: [infer] EventBridge takes longer rates, but a watch that rarely looks delays the deploy for nothing.
MAX_WATCH_MINUTES = 1440
#: Properties whose change needs a new version (Tags change in place; the gate and the watch only steer the deploy).
TRAINING_KEYS = ("ProjectArn", "OutputBucket", "OutputPrefix", "DataFingerprint", "KmsKeyId", "VersionDescription")


class ModelVersionSpec(NamedTuple):
    """``Custom::RekognitionModelVersion`` properties."""

    project_arn: str
    version_name: str
    output_bucket: str
    output_prefix: str
    data_fingerprint: str
    wait_handle: str
    min_f1: float | None = None
    watch_minutes: int = 1
    kms_key_id: str | None = None
    version_description: str | None = None
    tags: Mapping[str, str] = {}  # read-only: the shared default is never mutated


class ModelEvaluationSpec(NamedTuple):
    """``Custom::RekognitionModelEvaluation`` properties."""

    version_arn: str
    min_f1: float | None = None


class ProjectModelsSpec(NamedTuple):
    """``Custom::RekognitionProjectModels`` properties."""

    project_arn: str
    auto_delete: bool


def version_arn_property(props: Mapping[str, Any]) -> str:
    """``ProjectVersionArn``: a Rekognition model version ARN."""
    arn = str(string_property(props, "ProjectVersionArn", required=True))
    if parse_version_arn(arn) is None:
        raise ProviderError(f"ProjectVersionArn must be a Rekognition model version ARN, got {arn!r:.160}.")
    return arn


def _matching(props: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str, *, required: bool) -> str | None:
    value = props.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ProviderError(f"{key} must be {what}, got {value!r:.80}.")
    return value


def _output_prefix(props: Mapping[str, Any]) -> str:
    value = props.get("OutputPrefix")
    if not isinstance(value, str) or len(value) > 1024 or value.startswith("/") or (value and not value.endswith("/")):
        raise ProviderError(f"OutputPrefix must be empty or a key prefix ending with '/', got {value!r:.80}.")
    return value


def _wait_handle(props: Mapping[str, Any]) -> str:
    url = str(string_property(props, "WaitHandle", required=True, max_len=4096))
    if not url.startswith(("https://", "http://")):
        raise ProviderError(f"WaitHandle must be the wait condition handle's URL (Ref of the handle), got {url!r:.80}.")
    return url


def _watch_minutes(props: Mapping[str, Any]) -> int:
    value = props.get("WatchMinutes", "1")
    text = value if isinstance(value, str) else ""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_WATCH_MINUTES:
        raise ProviderError(
            f"WatchMinutes must be a whole number of minutes, 1 to {MAX_WATCH_MINUTES}, got {value!r:.40}."
        )
    return int(text)


def parse_model_version(props: Mapping[str, Any]) -> ModelVersionSpec:
    """Validate ``Custom::RekognitionModelVersion`` properties; one short ``ProviderError`` on the first problem."""
    check_keys(props, MODEL_VERSION_KEYS, "model version")
    bucket = str(string_property(props, "OutputBucket", required=True, max_len=255))
    if not S3_BUCKET.match(bucket):
        raise ProviderError(f"OutputBucket must be an S3 bucket name, got {bucket!r:.80}.")
    return ModelVersionSpec(
        project_arn=project_arn_property(props),
        version_name=str(_matching(props, "VersionName", VERSION_NAME, "1-255 letters, digits, _ . -", required=True)),
        output_bucket=bucket,
        output_prefix=_output_prefix(props),
        data_fingerprint=str(string_property(props, "DataFingerprint", required=True, max_len=256)),
        wait_handle=_wait_handle(props),
        min_f1=parse_min_f1(props),
        watch_minutes=_watch_minutes(props),
        kms_key_id=_matching(props, "KmsKeyId", KMS_KEY_ID, "a KMS key id, ARN or alias", required=False),
        version_description=string_property(props, "VersionDescription", required=False, max_len=255),
        tags=parse_tags(props.get("Tags")),
    )


def parse_model_evaluation(props: Mapping[str, Any]) -> ModelEvaluationSpec:
    """Validate ``Custom::RekognitionModelEvaluation`` properties."""
    check_keys(props, MODEL_EVALUATION_KEYS, "model evaluation")
    return ModelEvaluationSpec(version_arn=version_arn_property(props), min_f1=parse_min_f1(props))


def parse_project_models(props: Mapping[str, Any]) -> ProjectModelsSpec:
    """Validate ``Custom::RekognitionProjectModels`` properties."""
    check_keys(props, PROJECT_MODELS_KEYS, "project models")
    if "AutoDeleteModels" not in props:
        raise ProviderError("AutoDeleteModels is required: 'true' or 'false'.")
    return ProjectModelsSpec(
        project_arn=project_arn_property(props), auto_delete=flag_property(props, "AutoDeleteModels")
    )
