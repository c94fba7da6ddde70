"""The staging pipeline of prefix and folder sources, against the emulator's S3."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler import staging
from rekognition_datasets_handler.clients import Clients
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import parse_dataset

from .staging_helpers import (
    IMAGES,
    PNG,
    STAGING,
    folder_source,
    manifest_lines,
    prefix_source,
    put_images,
    ticking_runtime,
    zipped,
)

if TYPE_CHECKING:
    import io

    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.properties import DatasetSpec, SourceSpec
    from rekognition_datasets_handler.runtime import Runtime

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000"


@pytest.fixture
def buckets(s3: S3Client) -> S3Client:
    s3.create_bucket(Bucket=IMAGES)
    s3.create_bucket(Bucket=STAGING)
    return s3


def spec(source: dict[str, str], fingerprint: str = "fp-1") -> DatasetSpec:
    return parse_dataset(
        {"ProjectArn": PROJECT, "DatasetType": "TRAIN", "Source": source, "SourceFingerprint": fingerprint}
    )


def stage(declared: DatasetSpec, runtime: Runtime, max_steps: int = 200) -> tuple[SourceSpec, int]:
    """Advance until staged; (the manifest source, the steps taken)."""
    for steps in range(1, max_steps + 1):
        done = staging.advance(declared, runtime)
        if done is not None:
            return done, steps
    raise AssertionError("not staged")


def progress(s3: S3Client, declared: DatasetSpec) -> dict[str, Any]:
    key = staging.area(declared) + "manifest/progress.json"
    return dict(json.loads(s3.get_object(Bucket=STAGING, Key=key)["Body"].read()))


def refs_and_labels(lines: list[str]) -> dict[str, list[str]]:
    out = {}
    for line in lines:
        entry = json.loads(line)
        out[entry["source-ref"]] = sorted(k for k in entry if k != "source-ref" and not k.endswith("-metadata"))
    return out


def test_prefix_images_are_labelled_by_their_immediate_sub_prefix(buckets: S3Client, log_stream: io.StringIO) -> None:
    keys = [f"photos/rose/r{i}.png" for i in range(7)] + ["photos/tulip/deep/t.JPG", "photos/u.jpeg"]
    put_images(buckets, keys)
    put_images(buckets, ["other/rose/x.png", "photos/notes.txt", "photos/.hidden/h.png"])
    buckets.put_object(Bucket=IMAGES, Key="photos/rose/empty.png", Body=b"")
    buckets.put_object(Bucket=IMAGES, Key="photos/rose/", Body=b"")
    declared = spec(prefix_source())
    manifest, steps = stage(declared, ticking_runtime(log_stream))
    assert steps > 1  # 13 keys in pages of 3, two pages a step
    assert (manifest.bucket, manifest.key) == (STAGING, staging.area(declared) + "manifest/output.manifest")
    got = refs_and_labels(manifest_lines(buckets, STAGING, str(manifest.key)))
    expected = {f"s3://{IMAGES}/{k}": ["rose"] for k in keys[:7]}
    expected |= {f"s3://{IMAGES}/photos/tulip/deep/t.JPG": ["tulip"], f"s3://{IMAGES}/photos/u.jpeg": []}
    assert got == expected
    assert progress(buckets, declared) == {"phase": "done", "lines": 9, "labels": ["rose", "tulip"], "skipped": 4}


def test_a_finished_manifest_is_reused_without_listing(buckets: S3Client, log_stream: io.StringIO) -> None:
    put_images(buckets, ["photos/rose/a.png"])
    declared = spec(prefix_source())
    first, _ = stage(declared, ticking_runtime(log_stream))
    buckets.delete_object(Bucket=IMAGES, Key="photos/rose/a.png")  # a relisting would now find nothing
    assert stage(declared, ticking_runtime(log_stream)) == (first, 1)
    # a new fingerprint (the user's refresh) lists again, into its own area
    with pytest.raises(ProviderError, match=f"No PNG or JPEG images under s3://{IMAGES}/photos/"):
        stage(spec(prefix_source(), fingerprint="fp-2"), ticking_runtime(log_stream))


def test_an_empty_prefix_fails_naming_it_and_leaves_no_progress(buckets: S3Client, log_stream: io.StringIO) -> None:
    put_images(buckets, ["elsewhere/rose/a.png"])
    buckets.put_object(Bucket=IMAGES, Key="photos/readme.txt", Body=b"x")
    declared = spec(prefix_source())
    with pytest.raises(ProviderError, match=rf"No PNG or JPEG images under s3://{IMAGES}/photos/ \(1 other objects\)"):
        stage(declared, ticking_runtime(log_stream))
    assert "Contents" not in buckets.list_objects_v2(Bucket=STAGING)
    assert buckets.list_multipart_uploads(Bucket=STAGING).get("Uploads", []) == []


def test_a_label_the_manifest_rules_refuse_fails_naming_the_image(buckets: S3Client, log_stream: io.StringIO) -> None:
    long_label = "l" * 300  # over the 256-character label name limit
    put_images(buckets, ["photos/rose/a.png", f"photos/{long_label}/b.png"])
    with pytest.raises(ProviderError, match=rf"s3://{IMAGES}/photos/l+/b.png from s3://{IMAGES}/photos/ would fail"):
        stage(spec(prefix_source()), ticking_runtime(log_stream))
    assert buckets.list_multipart_uploads(Bucket=STAGING).get("Uploads", []) == []


class _Crash(Exception):
    pass


def _crashing(runtime: Runtime, s3: S3Client, after_lists: int) -> Runtime:
    """``runtime`` whose S3 client dies (as a killed invocation would) on its ``after_lists``+1-th listing."""
    calls = {"n": 0}
    real = s3.list_objects_v2

    def list_objects_v2(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after_lists:
            raise _Crash
        return real(**kwargs)

    s3.list_objects_v2 = list_objects_v2  # type: ignore[method-assign]
    rek = runtime.clients.rekognition
    return runtime._replace(clients_factory=lambda: Clients(rek, s3))


def test_a_crashed_step_resumes_from_the_saved_progress(buckets: S3Client, log_stream: io.StringIO) -> None:
    keys = [f"photos/rose/{i:02}.png" for i in range(20)]
    put_images(buckets, keys)
    declared = spec(prefix_source())
    assert staging.advance(declared, ticking_runtime(log_stream)) is None  # step 1: two pages, saved
    import boto3

    crashing = _crashing(ticking_runtime(log_stream), boto3.client("s3"), after_lists=1)
    with pytest.raises(_Crash):
        staging.advance(declared, crashing)  # step 2 listed a page, then died before saving
    assert progress(buckets, declared)["lines"] == 6
    manifest, _ = stage(declared, ticking_runtime(log_stream))
    assert sorted(refs_and_labels(manifest_lines(buckets, STAGING, str(manifest.key)))) == [
        f"s3://{IMAGES}/{k}" for k in keys
    ]


def test_a_redelivered_step_stages_each_image_once(buckets: S3Client, log_stream: io.StringIO) -> None:
    keys = [f"photos/tulip/{i:02}.jpg" for i in range(10)]
    put_images(buckets, keys)
    declared = spec(prefix_source())
    staging.advance(declared, ticking_runtime(log_stream))
    saved = progress(buckets, declared)
    staging.advance(declared, ticking_runtime(log_stream))
    # the same step delivered again: the progress it started from comes back, and the step runs once more
    key = staging.area(declared) + "manifest/progress.json"
    buckets.put_object(Bucket=STAGING, Key=key, Body=json.dumps(saved).encode())
    manifest, _ = stage(declared, ticking_runtime(log_stream))
    lines = manifest_lines(buckets, STAGING, str(manifest.key))
    assert len(lines) == 10
    assert sorted(refs_and_labels(lines)) == [f"s3://{IMAGES}/{k}" for k in keys]


# ----------------------------------------------------------------------------------------------- folder (zip)
def test_a_zip_of_a_thousand_images_is_extracted_in_batches(buckets: S3Client, log_stream: io.StringIO) -> None:
    members = {f"{label}/{i:04}.png": PNG + bytes([i % 251]) for label in ("rose", "tulip") for i in range(500)}
    members |= {"top.png": PNG, "notes.txt": b"x", "rose/.DS_Store": b"x", "empty/": b""}
    buckets.put_object(Bucket=STAGING, Key="asset.zip", Body=zipped(members))
    declared = spec(folder_source())
    runtime = ticking_runtime(log_stream, members=250, page_keys=1000)
    manifest, steps = stage(declared, runtime)
    assert steps >= 2
    images = staging.area(declared) + "images/"
    lines = refs_and_labels(manifest_lines(buckets, STAGING, str(manifest.key)))
    assert len(lines) == 1001
    assert lines[f"s3://{STAGING}/{images}rose/0007.png"] == ["rose"]
    assert lines[f"s3://{STAGING}/{images}top.png"] == []
    staged = buckets.get_object(Bucket=STAGING, Key=f"{images}tulip/0300.png")["Body"].read()
    assert staged == members["tulip/0300.png"]


def test_a_repeated_extraction_skips_members_already_staged(buckets: S3Client, log_stream: io.StringIO) -> None:
    buckets.put_object(Bucket=STAGING, Key="asset.zip", Body=zipped({f"rose/{i}.png": PNG for i in range(8)}))
    declared = spec(folder_source())
    staging.advance(declared, ticking_runtime(log_stream, seconds=1.0))  # one batch of 4
    key = staging.area(declared) + "manifest/progress.json"
    buckets.delete_object(Bucket=STAGING, Key=key)  # lost progress: the step starts over
    stage(declared, ticking_runtime(log_stream))
    records = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    batches = [(r["staged"], r["present"]) for r in records if r.get("step") == "stage-extract"]
    assert batches == [(4, 0), (0, 4), (4, 0)]


def test_a_corrupt_zip_member_fails_naming_it(buckets: S3Client, log_stream: io.StringIO) -> None:
    body = bytearray(zipped({"rose/a.png": PNG * 4, "rose/b.png": PNG * 4}))
    at = body.index(b"rose/b.png") + len("rose/b.png")  # the stored (deflated) bytes of b follow its local header
    body[at + 2] ^= 0xFF
    buckets.put_object(Bucket=STAGING, Key="asset.zip", Body=bytes(body))
    with pytest.raises(ProviderError, match=r"The image 'rose/b.png' in s3://staging-test-assets/asset.zip cannot"):
        stage(spec(folder_source()), ticking_runtime(log_stream))


def test_a_missing_zip_fails_naming_it(buckets: S3Client, log_stream: io.StringIO) -> None:
    with pytest.raises(ProviderError, match=r"The image folder zip s3://staging-test-assets/gone.zip is not readable"):
        stage(spec(folder_source("gone.zip")), ticking_runtime(log_stream))


def test_a_zip_member_with_an_unsafe_name_is_refused(buckets: S3Client, log_stream: io.StringIO) -> None:
    buckets.put_object(Bucket=STAGING, Key="asset.zip", Body=zipped({"rose/../../x.png": PNG}))
    with pytest.raises(ProviderError, match=re.escape("unsafe name: 'rose/../../x.png'")):
        stage(spec(folder_source()), ticking_runtime(log_stream))


# ----------------------------------------------------------------------------------------------- scale (make soak)
@pytest.mark.soak  # 100,000 objects, about a minute
def test_a_hundred_thousand_keys_are_listed_across_polls(buckets: S3Client, log_stream: io.StringIO) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends  # in-process moto: 100,000 objects in seconds, not one request each

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for i in range(100_000):
        backend.put_object(IMAGES, f"photos/label{i % 50}/{i:06}.png", PNG)
    declared = spec(prefix_source())
    manifest, steps = stage(declared, ticking_runtime(log_stream, seconds=20.0, page_keys=1000))
    assert steps == 5  # 100 pages of 1,000 keys, 20 pages a step
    lines = manifest_lines(buckets, STAGING, str(manifest.key))
    assert len(lines) == len(set(lines)) == 100_000
    state = progress(buckets, declared)
    assert (state["lines"], len(state["labels"])) == (100_000, 50)
    records = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    assert max(r.get("parts", 0) for r in records) >= 3  # 8 MiB parts of a ~25 MB manifest
