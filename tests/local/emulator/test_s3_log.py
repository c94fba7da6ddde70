"""The emulator's S3 request log: each S3 request moto answers, named as the S3 API names it, with its outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError

from rekognition_datasets_local.emulator.s3_log import operation_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.emulator import Emulator


def test_every_s3_call_is_logged_by_operation_with_bucket_key_and_outcome(emulator: Emulator, s3: S3Client) -> None:
    s3.create_bucket(Bucket="logged")
    for index in range(3):
        s3.put_object(Bucket="logged", Key=f"images/{index}.png", Body=b"x")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="logged", Prefix="images/", PaginationConfig={"PageSize": 2}
    )
    assert sum(page["KeyCount"] for page in pages) == 3
    upload = s3.create_multipart_upload(Bucket="logged", Key="big")["UploadId"]
    part = s3.upload_part(Bucket="logged", Key="big", UploadId=upload, PartNumber=1, Body=b"y")["ETag"]
    s3.complete_multipart_upload(
        Bucket="logged", Key="big", UploadId=upload, MultipartUpload={"Parts": [{"ETag": part, "PartNumber": 1}]}
    )
    s3.head_object(Bucket="logged", Key="big")
    with pytest.raises(ClientError):
        s3.get_object(Bucket="logged", Key="missing")
    s3.delete_objects(Bucket="logged", Delete={"Objects": [{"Key": "big"}]})
    boto3.client("rekognition").describe_projects()  # not S3: in the Rekognition log only
    boto3.client("events").list_rules()  # moto's other services: not logged

    logged = [(e.operation, e.params.get("Key", ""), e.outcome) for e in emulator.s3_log.entries()]
    assert logged == [
        ("CreateBucket", "", "OK"),
        *[("PutObject", f"images/{index}.png", "OK") for index in range(3)],
        ("ListObjectsV2", "", "OK"),
        ("ListObjectsV2", "", "OK"),
        ("CreateMultipartUpload", "big", "OK"),
        ("UploadPart", "big", "OK"),
        ("CompleteMultipartUpload", "big", "OK"),
        ("HeadObject", "big", "OK"),
        ("GetObject", "missing", "NoSuchKey"),
        ("DeleteObjects", "", "OK"),
    ]
    assert {e.params["Bucket"] for e in emulator.s3_log.entries()} == {"logged"}
    assert [e.params["Prefix"] for e in emulator.s3_log.entries("ListObjectsV2")] == ["images/", "images/"]
    emulator.reset()
    assert emulator.s3_log.entries() == []


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "expected"),
    [
        ("GET", "/", {}, {}, ("ListBuckets", "", "")),
        ("GET", "/b", {}, {}, ("ListObjects", "b", "")),
        ("GET", "/b", {"versions": [""]}, {}, ("ListObjectVersions", "b", "")),
        ("GET", "/b", {"location": [""]}, {}, ("GetBucketLocation", "b", "")),
        ("PUT", "/b", {"tagging": [""]}, {}, ("PutBucketTagging", "b", "")),
        ("DELETE", "/b", {}, {}, ("DeleteBucket", "b", "")),
        ("HEAD", "/b", {}, {}, ("HeadBucket", "b", "")),
        ("GET", "/b/a%20b/c.png", {"tagging": [""]}, {}, ("GetObjectTagging", "b", "a b/c.png")),
        ("GET", "/b/k", {"uploadId": ["u"]}, {}, ("ListParts", "b", "k")),
        ("PUT", "/b/k", {}, {"x-amz-copy-source": "b/j"}, ("CopyObject", "b", "k")),
        (
            "PUT",
            "/b/k",
            {"partNumber": ["1"], "uploadId": ["u"]},
            {"x-amz-copy-source": "b/j"},
            ("UploadPartCopy", "b", "k"),
        ),
        ("DELETE", "/b/k", {"uploadId": ["u"]}, {}, ("AbortMultipartUpload", "b", "k")),
        ("DELETE", "/b/k", {}, {}, ("DeleteObject", "b", "k")),
    ],
)
def test_operation_names_follow_the_s3_api(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], expected: tuple[str, str, str]
) -> None:
    assert operation_name(method, path, query, headers) == expected


def test_put_objects_fills_a_bucket_without_requests(emulator: Emulator, s3: S3Client) -> None:
    assert emulator.put_objects("filled", ((f"images/{i}.png", b"%d" % i) for i in range(1_005))) == 1_005
    assert emulator.s3_log.entries() == []
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket="filled", Prefix="images/"))
    assert [page["KeyCount"] for page in pages] == [1_000, 5]
    assert s3.get_object(Bucket="filled", Key="images/7.png")["Body"].read() == b"7"
    emulator.put_objects("filled", [("images/7.png", b"again")])  # an existing bucket is kept
    assert s3.get_object(Bucket="filled", Key="images/7.png")["Body"].read() == b"again"
