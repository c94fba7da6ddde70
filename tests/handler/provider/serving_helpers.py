"""A trained model version to serve, and the serving resource's events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.model_schema import MODEL_SERVING_RESOURCE_TYPE

from .cfn import ACCOUNT, event
from .conftest import lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

ROLE = f"arn:aws:iam::{ACCOUNT}:role/model-stopper"


def train(
    rekognition: RekognitionClient, project_arn: str, put_object: Callable[..., dict[str, str]], *names: str
) -> list[str]:
    """Version ARNs named ``names``, trained (TRAINING_COMPLETED) on rose/tulip TRAIN and TEST datasets."""
    for kind in ("TRAIN", "TEST"):
        manifest = put_object(lines({"rose": 4, "tulip": 4}, prefix=kind), key=f"{kind}.manifest")
        source = {"GroundTruthManifest": {"S3Object": {"Bucket": manifest["Bucket"], "Name": manifest["Key"]}}}
        rekognition.create_dataset(ProjectArn=project_arn, DatasetType=kind, DatasetSource=source)
    rekognition.describe_projects()  # the datasets complete
    output = {"S3Bucket": put_object(b"", key="out/.keep")["Bucket"], "S3KeyPrefix": "out/"}
    arns = [
        rekognition.create_project_version(ProjectArn=project_arn, VersionName=name, OutputConfig=output)[
            "ProjectVersionArn"
        ]
        for name in names
    ]
    assert {status(rekognition, project_arn, name) for name in names} == {"TRAINING_COMPLETED"}
    return arns


def version(rekognition: RekognitionClient, project_arn: str, name: str) -> dict[str, Any]:
    """DescribeProjectVersions' description of the version ``name``."""
    answer = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[name])
    description: dict[str, Any] = answer["ProjectVersionDescriptions"][0]
    return description


def status(rekognition: RekognitionClient, project_arn: str, name: str) -> str:
    return str(version(rekognition, project_arn, name)["Status"])


def serving(request_type: str, arn: str, min_units: int = 1, **extra: Any) -> dict[str, Any]:
    """A ``Custom::RekognitionModelServing`` event serving ``arn`` (``old``/``physical_id`` as ``cfn.event``)."""
    kwargs = {k: extra.pop(k) for k in ("old", "physical_id", "request_id") if k in extra}
    props = {"ProjectVersionArn": arn, "MinInferenceUnits": str(min_units), **extra}
    return event(request_type, props, logical_id="Serving", resource_type=MODEL_SERVING_RESOURCE_TYPE, **kwargs)


def props(arn: str, min_units: int = 1, **extra: str) -> dict[str, Any]:
    """Serving properties (for ``old``)."""
    return {"ProjectVersionArn": arn, "MinInferenceUnits": str(min_units), **extra}
