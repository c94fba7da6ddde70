"""Driving the real handler in-process against a running emulator, as the CDK Provider framework would."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE, ENV_LOG_LEVEL

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from rekognition_datasets_local.emulator import Clock, Emulator, EmulatorConfig

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/BenchStack/6c0ffee0-0000-4000-8000-000000000001"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:BenchStack-ProviderframeworkonEvent"


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def running_emulator(config: EmulatorConfig | None = None, clock: Clock | None = None) -> Iterator[Emulator]:
    """A started emulator with this process's boto3 environment pointing at it (one attempt per call, and the
    handler logging warnings only)."""
    from rekognition_datasets_local.emulator import Emulator

    quiet = {"AWS_MAX_ATTEMPTS": "1", ENV_LOG_LEVEL: "WARNING"}
    with Emulator(config, clock=clock) as emulator, patched_environ({**emulator.env(), **quiet}):
        yield emulator


def event(
    request_type: str,
    properties: Mapping[str, Any],
    *,
    logical_id: str,
    physical_id: str | None = None,
    old: Mapping[str, Any] | None = None,
    resource_type: str = DATASET_RESOURCE_TYPE,
) -> dict[str, Any]:
    """A CloudFormation custom-resource request (a dataset's unless ``resource_type`` says otherwise), as the
    Provider framework hands it over (built by the runner's event builder, so bench drives the handler with exactly
    what the runner and CloudFormation send)."""
    from rekognition_datasets_local.runner.resources.events import request

    framework = {"ServiceToken": SERVICE_TOKEN, "ServiceTimeout": "3000"}
    return request(
        request_type=request_type,
        stack_id=STACK_ID,
        logical_id=logical_id,
        resource_type=resource_type,
        properties={**framework, **properties},
        physical_id=physical_id,
        old_properties=None if old is None else {**framework, **old},
    )


def create_project(name: str) -> str:
    """A project in the emulator, already CREATED; returns its ARN."""
    import boto3

    client = boto3.client("rekognition")
    arn: str = client.create_project(ProjectName=name)["ProjectArn"]
    client.describe_projects(ProjectNames=[name])
    return arn


def put_object(bucket: str, key: str, body: bytes) -> dict[str, str]:
    """Upload an object to a (versioned) bucket; returns the ``Source`` keys that point at it."""
    import boto3

    s3 = boto3.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version: str = s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
    return {"Bucket": bucket, "Key": key, "Version": version}


def fingerprint(source: Mapping[str, str]) -> str:
    """A stable fingerprint of a source declaration (what the constructs would pass)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(dict(source), sort_keys=True)).hex
