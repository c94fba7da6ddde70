"""CDK's ``Custom::CDKBucketDeployment`` (``aws_s3_deployment.BucketDeployment``) emulated natively.

Its real handler is a Lambda that runs the AWS CLI, which the runner cannot run; this does what it does: each
source zip (``SourceBucketNames[i]``/``SourceObjectKeys[i]``, a ``Source.asset`` is a zip) is extracted into
``DestinationBucketName`` under ``DestinationBucketKeyPrefix``; ``Prune`` (default true) removes destination
objects under the prefix that no source holds; on delete, and when an update moves the destination,
``RetainOnDelete`` (default true) keeps the old objects. ``DestinationBucketArn`` is readable with ``Fn::GetAtt``,
and resources that use it (``deployment.deployed_bucket``) run after the copy.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome, missing_attribute
from rekognition_datasets_local.runner.resources.bucket import s3_failure

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState

DEPLOYMENT_TYPE = "Custom::CDKBucketDeployment"


def _flag(props: Mapping[str, Any], name: str, default: bool) -> bool:
    value = props.get(name, default)
    return str(value).lower() == "true" if not isinstance(value, bool) else value


def _prefix(props: Mapping[str, Any]) -> str:
    prefix = str(props.get("DestinationBucketKeyPrefix") or "")
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _read_sources(d: Deployment, props: Mapping[str, Any]) -> dict[str, bytes]:
    """Every file of every source zip, by its path in the zip (a later source wins, as the CLI's sync does)."""
    buckets = list(props.get("SourceBucketNames") or [])
    keys = list(props.get("SourceObjectKeys") or [])
    if len(buckets) != len(keys):
        raise ResourceFailed("SourceBucketNames and SourceObjectKeys must have the same length")
    extract = _flag(props, "Extract", True)
    files: dict[str, bytes] = {}
    for bucket, key in zip(buckets, keys, strict=True):
        try:
            body = d.clients.s3.get_object(Bucket=str(bucket), Key=str(key))["Body"].read()
        except ClientError as exc:
            raise s3_failure(exc, f"reading source s3://{bucket}/{key} (latest version)") from exc
        if not extract:
            files[str(key).rsplit("/", 1)[-1]] = body
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        files[info.filename] = archive.read(info)
        except zipfile.BadZipFile as exc:
            raise ResourceFailed(f"source s3://{bucket}/{key} is not a zip file: {exc}") from exc
    return files


def _keys_under(d: Deployment, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in d.clients.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def _remove(d: Deployment, props: Mapping[str, Any]) -> None:
    """``aws s3 rm --recursive`` of the destination prefix (a missing bucket has nothing to remove)."""
    bucket, prefix = str(props.get("DestinationBucketName")), _prefix(props)
    try:
        for key in sorted(_keys_under(d, bucket, prefix)):
            d.clients.s3.delete_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise s3_failure(exc, f"removing s3://{bucket}/{prefix}") from exc


def _deploy(d: Deployment, props: Mapping[str, Any]) -> dict[str, Any]:
    bucket = props.get("DestinationBucketName")
    if not isinstance(bucket, str) or not bucket:
        raise ResourceFailed("DestinationBucketName is required")
    prefix = _prefix(props)
    files = _read_sources(d, props)
    s3 = d.clients.s3
    try:
        for path, body in files.items():
            s3.put_object(Bucket=bucket, Key=prefix + path, Body=body)
        if _flag(props, "Prune", True):
            for key in sorted(_keys_under(d, bucket, prefix) - {prefix + path for path in files}):
                s3.delete_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        raise s3_failure(exc, f"copying into s3://{bucket}/{prefix}") from exc
    return {
        "DestinationBucketArn": f"arn:aws:s3:::{bucket}",
        "SourceObjectKeys": list(props.get("SourceObjectKeys") or []),
    }


class BucketDeploymentHandler:
    """Copies the sources into the destination bucket, as the BucketDeployment Lambda does."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        return Outcome(f"aws.cdk.s3deployment.{uuid.uuid4()}", _deploy(d, props))

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        old = current.properties
        moved = (old.get("DestinationBucketName"), _prefix(old)) != (props.get("DestinationBucketName"), _prefix(props))
        attributes = _deploy(d, props)
        if moved and not _flag(old, "RetainOnDelete", True):
            _remove(d, old)
        return Outcome(current.physical_id, attributes)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        if not _flag(current.properties, "RetainOnDelete", True):
            _remove(d, current.properties)

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)
