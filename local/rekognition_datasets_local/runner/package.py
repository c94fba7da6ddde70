"""``aws cloudformation package`` for plain templates: upload local ``Code`` paths of Lambda functions to S3."""

from __future__ import annotations

import copy
import hashlib
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.assets import zip_directory
from rekognition_datasets_local.runner.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

#: The emulator bucket that holds packaged function code.
PACKAGE_BUCKET = "rekognition-datasets-runner-packages"


def package(body: Mapping[str, Any], template_dir: Path, s3: S3Client) -> dict[str, Any]:
    """A copy of the template whose local ``Code: <path>`` values point at zips uploaded to PACKAGE_BUCKET."""
    packaged = copy.deepcopy(dict(body))
    for logical_id, resource in (packaged.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::Lambda::Function" or not isinstance(props.get("Code"), str):
            continue
        source = (template_dir / props["Code"]).resolve()
        if not source.is_dir():
            raise TemplateError(f"{logical_id}: Code {props['Code']} is not a directory next to the template")
        archive = zip_directory(source)
        key = hashlib.sha256(archive).hexdigest() + ".zip"
        if PACKAGE_BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=PACKAGE_BUCKET)
        s3.put_object(Bucket=PACKAGE_BUCKET, Key=key, Body=archive)
        props["Code"] = {"S3Bucket": PACKAGE_BUCKET, "S3Key": key}
    return packaged
