"""Typed, validated resource properties (CloudFormation sends every leaf as a string).

The distribution's properties are parsed beside its reconciler (``resources.distribution``, imported on first
use), so a dataset's cold start does not compile them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from rekognition_datasets_handler.arns import parse_dataset_arn, project_name
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.schema import (
    DATASET_OPTIONAL_KEYS,
    DATASET_REQUIRED_KEYS,
    DATASET_TYPES,
    FRAMEWORK_KEYS,
    RESERVED_TAG_PREFIX,
    SOURCE_KEYS,
    SOURCE_TYPES,
    STAGED_SOURCE_TYPES,
)

MAX_USER_TAGS = 190
S3_BUCKET = re.compile(r"^[0-9A-Za-z.\-_]{3,255}$")
TAG_CHARS = frozenset("_.:/=+-@")

DATASET_KEYS = frozenset(DATASET_REQUIRED_KEYS + DATASET_OPTIONAL_KEYS)
#: ``Source.Type`` -> every key that source may hold.
SOURCE_TYPE_KEYS = {kind: frozenset(required + optional) for kind, (required, optional) in SOURCE_KEYS.items()}


class SourceSpec(NamedTuple):
    """Where a dataset's content comes from."""

    type: str = "empty"
    bucket: str | None = None
    key: str | None = None
    version: str | None = None
    dataset_arn: str | None = None
    image_bucket: str | None = None
    #: prefix source: the key prefix the images are under ("" or ending with "/")
    prefix: str | None = None
    #: staged sources (prefix, folder): where the handler writes the manifest (and a folder's images)
    staging_bucket: str | None = None
    staging_prefix: str | None = None

    def canonical(self) -> dict[str, str]:
        """The source as a plain dict without unset fields (stable for hashing)."""
        values = {
            "Type": self.type,
            "Bucket": self.bucket,
            "Key": self.key,
            "Version": self.version,
            "DatasetArn": self.dataset_arn,
            "ImageBucket": self.image_bucket,
            "Prefix": self.prefix,
            "StagingBucket": self.staging_bucket,
            "StagingPrefix": self.staging_prefix,
        }
        return {k: v for k, v in values.items() if v is not None}


class DatasetSpec(NamedTuple):
    """``Custom::RekognitionDataset`` properties."""

    project_arn: str
    dataset_type: str
    source: SourceSpec = SourceSpec()
    source_fingerprint: str | None = None
    tags: Mapping[str, str] = {}  # read-only: the shared default is never mutated
    max_error_entries: int | None = None
    reset_on_training_fingerprint: str | None = None
    distributed: bool = False

    @property
    def project_name(self) -> str:
        """The project's name (validated at parse time)."""
        return str(project_name(self.project_arn))

    @property
    def slot(self) -> tuple[str, str]:
        """(ProjectArn, DatasetType): a project holds at most one dataset per type."""
        return (self.project_arn, self.dataset_type)

    @property
    def fingerprint(self) -> str:
        """Identifies the dataset's content generation: source, declared fingerprint and training reset key."""
        payload = json.dumps(
            [self.source.canonical(), self.source_fingerprint or "", self.reset_on_training_fingerprint or ""],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def check_keys(props: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    """Refuse the first key of ``props`` that is neither ``allowed`` nor added by CloudFormation/CDK."""
    unknown = sorted(str(k) for k in props if k not in allowed and k not in FRAMEWORK_KEYS)
    if unknown:
        raise ProviderError(f"Unknown {where} property {unknown[0]!r:.80}; allowed: {', '.join(sorted(allowed))}.")


def string_property(props: Mapping[str, Any], key: str, *, required: bool, max_len: int = 2048) -> str | None:
    """``props[key]``: a non-empty string of at most ``max_len`` characters (None when absent and not required)."""
    value = props.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ProviderError(f"{key} must be a non-empty string of at most {max_len} characters, got {value!r:.80}.")
    return value


def _valid_tag_text(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in TAG_CHARS for c in text)


def parse_tags(value: object) -> dict[str, str]:
    """User tags: a string map, keys 1-128 chars not starting with aws: or the provider's reserved prefix."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ProviderError("Tags must be an object of string keys to string values.")
    if len(value) > MAX_USER_TAGS:
        raise ProviderError(f"Tags may hold at most {MAX_USER_TAGS} entries, got {len(value)}.")
    tags: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _valid_tag_text(key):
            raise ProviderError(f"Tag key {key!r:.80} must be 1-128 letters, digits, spaces or _.:/=+-@.")
        if key.lower().startswith("aws:") or key.startswith(RESERVED_TAG_PREFIX):
            raise ProviderError(f"Tag key {key!r:.80} is reserved (aws: and {RESERVED_TAG_PREFIX} prefixes).")
        if not isinstance(val, str) or len(val) > 256 or not _valid_tag_text(val):
            raise ProviderError(f"Tag {key!r:.80} value must be at most 256 letters, digits, spaces or _.:/=+-@.")
        tags[key] = val
    return tags


def _bucket(props: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    bucket = string_property(props, key, required=required, max_len=255)
    if bucket is not None and not S3_BUCKET.match(bucket):
        raise ProviderError(f"Source.{key} must be an S3 bucket name, got {bucket!r:.80}.")
    return bucket


def _key_prefix(props: Mapping[str, Any], key: str) -> str:
    """A key prefix: "" (the whole bucket) or a folder ending with "/", not starting with one."""
    value = props.get(key)
    if value is None:
        raise ProviderError(f"Source.{key} is required: a key prefix, empty or ending with '/'.")
    if not isinstance(value, str) or len(value) > 1024 or value.startswith("/") or (not value.endswith("/") and value):
        raise ProviderError(f"Source.{key} must be empty or a key prefix ending with '/', got {value!r:.80}.")
    return value


def _staged_source(kind: str, value: Mapping[str, Any]) -> SourceSpec:
    return SourceSpec(
        type=kind,
        bucket=_bucket(value, "Bucket", required=True),
        key=string_property(value, "Key", required=True, max_len=1024) if kind == "folder" else None,
        prefix=_key_prefix(value, "Prefix") if kind == "prefix" else None,
        staging_bucket=_bucket(value, "StagingBucket", required=True),
        staging_prefix=_key_prefix(value, "StagingPrefix"),
    )


def parse_source(value: object) -> SourceSpec:
    """The ``Source`` object (absent means empty)."""
    if value is None:
        return SourceSpec()
    if not isinstance(value, Mapping):
        raise ProviderError("Source must be an object with a Type of " + ", ".join(SOURCE_TYPES) + ".")
    kind = value.get("Type")
    if kind not in SOURCE_TYPE_KEYS:
        raise ProviderError(f"Source.Type must be one of {', '.join(SOURCE_TYPES)}, got {kind!r:.60}.")
    check_keys(value, SOURCE_TYPE_KEYS[kind], "Source")
    if kind == "empty":
        return SourceSpec()
    if kind == "dataset":
        arn = string_property(value, "DatasetArn", required=True)
        if parse_dataset_arn(str(arn)) is None:
            raise ProviderError(f"Source.DatasetArn must be a Rekognition dataset ARN, got {arn!r:.120}.")
        return SourceSpec(type="dataset", dataset_arn=arn)
    if kind in STAGED_SOURCE_TYPES:
        return _staged_source(str(kind), value)
    return SourceSpec(
        type=str(kind),
        bucket=_bucket(value, "Bucket", required=True),
        key=string_property(value, "Key", required=True, max_len=1024),
        version=string_property(value, "Version", required=False, max_len=1024),
        image_bucket=_bucket(value, "ImageBucket", required=False),
    )


def _non_negative_int(props: Mapping[str, Any], key: str) -> int | None:
    value = props.get(key)
    if value is None:
        return None
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ProviderError(f"{key} must be a non-negative integer, got {value!r:.40}.")
    return int(text)


def flag_property(props: Mapping[str, Any], key: str) -> bool:
    """``props[key]``: "true" or "false" (absent means false)."""
    value = props.get(key, "false")
    if value not in ("true", "false", True, False):
        raise ProviderError(f"{key} must be 'true' or 'false', got {value!r:.40}.")
    return value in ("true", True)


def project_arn_property(props: Mapping[str, Any]) -> str:
    """``ProjectArn``: a Rekognition project ARN."""
    arn = str(string_property(props, "ProjectArn", required=True))
    if project_name(arn) is None:
        raise ProviderError(f"ProjectArn must be a Rekognition project ARN, got {arn!r:.120}.")
    return arn


def parse_dataset(props: Mapping[str, Any]) -> DatasetSpec:
    """Validate ``Custom::RekognitionDataset`` properties; raise one short ``ProviderError`` on the first problem."""
    check_keys(props, DATASET_KEYS, "dataset")
    project_arn = project_arn_property(props)
    dataset_type = props.get("DatasetType")
    if dataset_type not in DATASET_TYPES:
        raise ProviderError(f"DatasetType must be TRAIN or TEST, got {dataset_type!r:.40}.")
    source = parse_source(props.get("Source"))
    return DatasetSpec(
        project_arn=project_arn,
        dataset_type=str(dataset_type),
        source=source,
        source_fingerprint=string_property(
            props, "SourceFingerprint", required=source.type in STAGED_SOURCE_TYPES, max_len=256
        ),
        tags=parse_tags(props.get("Tags")),
        max_error_entries=_non_negative_int(props, "MaxErrorEntries"),
        reset_on_training_fingerprint=string_property(props, "ResetOnTrainingFingerprint", required=False, max_len=256),
        distributed=flag_property(props, "Distributed"),
    )
