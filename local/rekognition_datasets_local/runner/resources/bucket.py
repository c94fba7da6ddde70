"""``AWS::S3::Bucket`` in the emulator's S3, and CDK's ``Custom::S3AutoDeleteObjects`` emulated natively.

As CloudFormation's: ``Ref`` is the bucket name (``BucketName`` or a generated lower-case name), ``Fn::GetAtt``
gives ``Arn``, ``DomainName``, ``RegionalDomainName``, ``DualStackDomainName`` and ``WebsiteURL``; a name change is
a replacement. Deleting a bucket that still holds objects fails as S3 refuses it (BucketNotEmpty), unless the
stack declares ``auto_delete_objects``: CDK then adds a ``Custom::S3AutoDeleteObjects`` resource (a Node.js
function the runner cannot run) that depends on the bucket, so it is deleted first and empties the bucket, as
its handler does.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome, missing_attribute

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_s3.type_defs import TagTypeDef

    from rekognition_datasets_local.runner.state import ResourceState

BUCKET_TYPE = "AWS::S3::Bucket"
AUTO_DELETE_TYPE = "Custom::S3AutoDeleteObjects"
#: The tag CDK puts on a bucket whose objects its auto-delete function may remove (the handler checks it).
AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"
_MAX_NAME = 63


def s3_failure(exc: ClientError, action: str) -> ResourceFailed:
    """A failed S3 call as CloudFormation reports it: the service's message, status and code."""
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    return ResourceFailed(
        f"{action}: {error.get('Message', '')} (Service: S3, Status Code: {status}, "
        f"Error Code: {error.get('Code', '')})"
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _attributes(d: Deployment, name: str) -> dict[str, str]:
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{d.region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{d.region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{d.region}.amazonaws.com",
    }


def _configure(d: Deployment, name: str, props: Mapping[str, Any]) -> None:
    """Apply what the emulator's S3 holds of the declaration: versioning and tags."""
    s3 = d.clients.s3
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning in ("Enabled", "Suspended"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
    tags: list[TagTypeDef] = [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in props.get("Tags", []) or []]
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
    else:
        s3.delete_bucket_tagging(Bucket=name)


def empty_bucket(d: Deployment, name: str) -> None:
    """Delete every object version and delete marker (a missing bucket is already empty)."""
    s3 = d.clients.s3
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if doomed:
                s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})  # type: ignore[typeddict-item]
    except ClientError as exc:
        if _code(exc) != "NoSuchBucket":
            raise s3_failure(exc, f"emptying bucket {name}") from exc


class BucketHandler:
    """Creates and deletes S3 buckets in the emulator."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        name = props.get("BucketName")
        if not isinstance(name, str):
            name = d.generated_name(logical_id, _MAX_NAME, lower=True)
        try:
            d.clients.s3.create_bucket(Bucket=name)
        except ClientError as exc:
            if _code(exc) in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise ResourceFailed(f"{name} already exists") from exc
            raise s3_failure(exc, f"creating bucket {name}") from exc
        try:
            _configure(d, name, props)
        except ClientError as exc:
            raise s3_failure(exc, f"configuring bucket {name}") from exc
        return Outcome(name, _attributes(d, name))

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        try:
            _configure(d, current.physical_id, props)
        except ClientError as exc:
            raise s3_failure(exc, f"configuring bucket {current.physical_id}") from exc
        return Outcome(current.physical_id, _attributes(d, current.physical_id))

    def delete(self, d: Deployment, current: ResourceState) -> None:
        try:
            d.clients.s3.delete_bucket(Bucket=current.physical_id)
        except ClientError as exc:
            if _code(exc) != "NoSuchBucket":
                raise s3_failure(exc, f"deleting bucket {current.physical_id}") from exc

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return old.get("BucketName") != new.get("BucketName")

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)


def _tagged_for_auto_delete(d: Deployment, bucket: str) -> bool:
    try:
        tags = d.clients.s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError:
        return False  # no such bucket, or no tags: the handler leaves it alone
    return any(t["Key"] == AUTO_DELETE_TAG and t["Value"] == "true" for t in tags)


class AutoDeleteObjectsHandler:
    """What CDK's auto-delete-objects function does: empty the bucket when the resource is deleted (or the bucket
    renamed), only when the bucket carries CDK's auto-delete tag."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        return Outcome(str(uuid.uuid4()))

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        old = current.properties.get("BucketName")
        if isinstance(old, str) and old != props.get("BucketName") and _tagged_for_auto_delete(d, old):
            empty_bucket(d, old)
        return Outcome(current.physical_id)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        bucket = current.properties.get("BucketName")
        if isinstance(bucket, str) and _tagged_for_auto_delete(d, bucket):
            empty_bucket(d, bucket)

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)
