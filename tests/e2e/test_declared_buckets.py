"""Declared buckets and BucketDeployment offline: created in the emulator's S3, filled, emptied and deleted as
their removal policy and auto_delete_objects say."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.template import Template

from .conftest import deploy

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e


def _exists(runner: Session, bucket: str) -> bool:
    try:
        runner.clients.s3.head_bucket(Bucket=bucket)
    except ClientError:
        return False
    return True


def test_bucket_deployment_fills_a_declared_bucket_that_a_dataset_reads(
    runner: Session, assembly: CloudAssembly
) -> None:
    # GIVEN a stack declaring a bucket, a BucketDeployment of a manifest into it, and a dataset reading it
    # WHEN deployed (the deployment used to fail: /opt/awscli/aws; the bucket did not exist offline)
    state = deploy(runner, assembly, "Declared")
    # THEN the bucket exists under its generated name, the manifest landed under the prefix before the dataset read it
    bucket = state.outputs["BucketName"]
    assert bucket.startswith("declared-manifests") and _exists(runner, bucket)
    assert state.outputs["BucketDomain"] == f"{bucket}.s3.us-east-1.amazonaws.com"
    keys = [o["Key"] for o in runner.clients.s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["manifests/train.manifest"]
    (dataset,) = [r for r in state.resources.values() if r.type == "Custom::RekognitionDataset"]
    description = runner.clients.rekognition.describe_dataset(DatasetArn=dataset.physical_id)["DatasetDescription"]
    assert description["DatasetStats"]["TotalEntries"] == 6
    # AND destroy refuses the non-empty bucket without auto-delete, as S3 does, and empties the auto-deleted one
    kept = state.outputs["KeptName"]
    runner.clients.s3.put_object(Bucket=kept, Key="left-behind.txt", Body=b"x")
    with pytest.raises(StackFailed) as failed:
        runner.engine.destroy("Declared")
    assert failed.value.status == "DELETE_FAILED"
    (reason,) = failed.value.failures.values()
    assert "BucketNotEmpty" in reason and kept in reason
    assert not _exists(runner, bucket)
    # AND once the user empties it, destroy finishes
    runner.clients.s3.delete_object(Bucket=kept, Key="left-behind.txt")
    assert runner.engine.destroy("Declared") is True
    assert not _exists(runner, kept)


def test_a_missing_deployment_source_names_bucket_and_key(runner: Session) -> None:
    # GIVEN a BucketDeployment whose source object does not exist
    runner.clients.s3.create_bucket(Bucket="e2e-sources")
    template = {
        "Resources": {
            "Target": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "e2e-target"}},
            "Upload": {
                "Type": "Custom::CDKBucketDeployment",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:not-run-offline",
                    "SourceBucketNames": ["e2e-sources"],
                    "SourceObjectKeys": ["gone.zip"],
                    "DestinationBucketName": {"Ref": "Target"},
                },
            },
        }
    }
    # WHEN deployed / THEN the failure names the bucket and the key, and the rollback deletes the bucket
    with pytest.raises(StackFailed) as failed:
        runner.engine.deploy("Missing", Template.from_dict(template))
    assert "s3://e2e-sources/gone.zip (latest version)" in failed.value.failures["Upload"]
    assert "NoSuchKey" in failed.value.failures["Upload"]
    assert not _exists(runner, "e2e-target")
