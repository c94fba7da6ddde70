"""Datasets from staged sources (an S3 prefix, a zipped image folder) through on_event/is_complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.events import STEP_KEY
from rekognition_datasets_handler.properties import parse_dataset
from rekognition_datasets_handler.provider import is_complete, on_event

from .cfn import Response, event, run
from .staging_helpers import IMAGES, PNG, STAGING, folder_source, prefix_source, put_images, ticking_runtime, zipped

if TYPE_CHECKING:
    import io

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.runtime import Runtime


@pytest.fixture
def buckets(s3: S3Client) -> S3Client:
    s3.create_bucket(Bucket=IMAGES)
    s3.create_bucket(Bucket=STAGING)
    return s3


@pytest.fixture
def staged_runtime(log_stream: io.StringIO) -> Runtime:
    return ticking_runtime(log_stream)


def props(project_arn: str, source: dict[str, str], fingerprint: str = "fp-1", **extra: Any) -> dict[str, Any]:
    return {
        "ProjectArn": project_arn,
        "DatasetType": "TRAIN",
        "Source": source,
        "SourceFingerprint": fingerprint,
        **extra,
    }


def entries(rekognition: RekognitionClient, arn: str) -> int:
    return int(rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"]["TotalEntries"])


def created(project_arn: str, source: dict[str, str], runtime: Runtime) -> Response:
    response = run(event("Create", props(project_arn, source)), runtime)
    assert response.status == "SUCCESS", response.reason
    return response


def test_a_prefix_source_creates_the_dataset_from_the_staged_manifest(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    put_images(buckets, [f"photos/{label}/{i}.png" for label in ("rose", "tulip") for i in range(9)])
    response = created(project_arn, prefix_source(), staged_runtime)
    assert response.polls > 2  # 18 keys in pages of 3, two pages a step: two polls staged before the create
    stats = rekognition.describe_dataset(DatasetArn=str(response.physical_id))["DatasetDescription"]["DatasetStats"]
    assert (stats["TotalEntries"], stats["TotalLabels"]) == (18, 2)


def test_a_folder_source_creates_the_dataset_from_its_extracted_images(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    members = {f"{label}/{i}.png": PNG for label in ("rose", "tulip") for i in range(5)}
    buckets.put_object(Bucket=STAGING, Key="asset.zip", Body=zipped(members))
    arn = str(created(project_arn, folder_source(), staged_runtime).physical_id)
    assert entries(rekognition, arn) == 10


def test_a_new_fingerprint_stages_the_prefix_again_and_rebuilds(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    put_images(buckets, [f"photos/rose/{i}.png" for i in range(4)])
    arn = str(created(project_arn, prefix_source(), staged_runtime).physical_id)
    put_images(buckets, [f"photos/tulip/{i}.png" for i in range(3)])
    old, new = props(project_arn, prefix_source()), props(project_arn, prefix_source(), "fp-2")
    response = run(event("Update", new, old=old, physical_id=arn), staged_runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id != arn
    assert entries(rekognition, str(response.physical_id)) == 7


def test_an_unchanged_fingerprint_lists_nothing_and_keeps_the_dataset(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    keys = [f"photos/rose/{i}.png" for i in range(4)]
    put_images(buckets, keys)
    arn = str(created(project_arn, prefix_source(), staged_runtime).physical_id)
    for key in keys:  # a relisting would find no images and fail
        buckets.delete_object(Bucket=IMAGES, Key=key)
    old = props(project_arn, prefix_source())
    new = props(project_arn, prefix_source(), Tags={"team": "vision"})
    response = run(event("Update", new, old=old, physical_id=arn), staged_runtime)
    assert (response.status, response.physical_id) == ("SUCCESS", arn), response.reason
    assert entries(rekognition, arn) == 4


@pytest.mark.parametrize(
    ("source", "setup", "message"),
    [
        (prefix_source("empty/"), None, f"No PNG or JPEG images under s3://{IMAGES}/empty/"),
        (folder_source("bad.zip"), "bad", "The image 'rose/b.png' in s3://staging-test-assets/bad.zip cannot be"),
        (folder_source("gone.zip"), None, "The image folder zip s3://staging-test-assets/gone.zip is not readable"),
        (
            {**prefix_source(), "Bucket": "no-such-bucket"},
            None,
            "Cannot list the images under s3://no-such-bucket/photos/ (NoSuchBucket)",
        ),
    ],
    ids=["empty-prefix", "bad-zip-member", "missing-zip", "missing-bucket"],
)
def test_a_source_that_cannot_be_staged_leaves_the_dataset_untouched(
    buckets: S3Client,
    project_arn: str,
    staged_runtime: Runtime,
    rekognition: RekognitionClient,
    source: dict[str, str],
    setup: str | None,
    message: str,
) -> None:
    put_images(buckets, [f"photos/rose/{i}.png" for i in range(4)])
    arn = str(created(project_arn, prefix_source(), staged_runtime).physical_id)
    if setup == "bad":
        body = bytearray(zipped({"rose/a.png": PNG * 4, "rose/b.png": PNG * 4}))
        at = body.index(b"rose/b.png") + len("rose/b.png")
        body[at + 2] ^= 0xFF  # corrupt b's deflated bytes
        buckets.put_object(Bucket=STAGING, Key="bad.zip", Body=bytes(body))
    old, new = props(project_arn, prefix_source()), props(project_arn, source, "fp-2")
    response = run(event("Update", new, old=old, physical_id=arn), staged_runtime)
    assert response.status == "FAILED"
    assert message in response.reason
    assert entries(rekognition, arn) == 4  # the same dataset, with its entries
    slot = rekognition.describe_projects()["ProjectDescriptions"][0]["Datasets"]
    assert [d["DatasetArn"] for d in slot] == [arn]


@pytest.mark.parametrize(
    ("source", "fingerprint", "message"),
    [
        (prefix_source(), None, "SourceFingerprint must be a non-empty string"),
        (prefix_source("photos"), "fp", r"Source.Prefix must be empty or a key prefix ending with '/'"),
        ({**folder_source(), "StagingPrefix": "/staged/"}, "fp", "Source.StagingPrefix must be empty or"),
    ],
)
def test_bad_staged_source_properties_are_refused_by_name(
    source: dict[str, str], fingerprint: str | None, message: str
) -> None:
    declared = props("arn:aws:rekognition:us-east-1:123456789012:project/p/1", source)
    if fingerprint is None:
        del declared["SourceFingerprint"]
    with pytest.raises(ProviderError, match=message):
        parse_dataset(declared)


def test_polls_without_the_step_key_finish_staging_before_creating(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    """crhelper's polls carry no ``DatasetProviderStep``: staging is still finished before CreateDataset."""
    put_images(buckets, [f"photos/rose/{i}.png" for i in range(18)])
    request = event("Create", props(project_arn, prefix_source()))
    started = on_event(request, None, staged_runtime)
    assert started.pop(STEP_KEY) == "staging"
    merged = {**request, **started}
    answers = [is_complete(merged, None, staged_runtime) for _ in range(4)]
    assert [a["IsComplete"] for a in answers] == [False, False, True, True]
    assert entries(rekognition, answers[-1]["PhysicalResourceId"]) == 18


def test_a_redelivered_create_resumes_staging_and_makes_one_dataset(
    buckets: S3Client, project_arn: str, staged_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    keys = [f"photos/rose/{i}.png" for i in range(18)]
    put_images(buckets, keys)
    request = event("Create", props(project_arn, prefix_source()))
    assert on_event(request, None, staged_runtime)[STEP_KEY] == "staging"  # first delivery: two pages staged
    response = run(request, staged_runtime)  # the same event delivered again, then its polls
    assert response.status == "SUCCESS", response.reason
    assert entries(rekognition, str(response.physical_id)) == 18
    datasets = rekognition.describe_projects()["ProjectDescriptions"][0]["Datasets"]
    assert [d["DatasetArn"] for d in datasets] == [response.physical_id]
