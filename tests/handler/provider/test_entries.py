"""Chunking a JSON Lines object with ranged GETs: whole lines, limits, blank lines, the image-bucket rewrite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from rekognition_datasets_handler.entries import read_chunk, source_refs
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import SourceSpec

from .conftest import BUCKET

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_s3 import S3Client


def spec(location: dict[str, str], image_bucket: str | None = None) -> SourceSpec:
    return SourceSpec(type="entries", bucket=location["Bucket"], key=location["Key"], image_bucket=image_bucket)


def chunks(s3: S3Client, source: SourceSpec, limit: int) -> list[bytes]:
    found, offset = [], 0
    while True:
        chunk = read_chunk(s3, source, offset, limit)
        found.append(chunk.body)
        assert len(chunk.body) <= limit
        if chunk.at_end:
            return found
        assert chunk.next_offset > offset
        offset = chunk.next_offset


@pytest.fixture
def client(bucket: str) -> S3Client:
    return boto3.client("s3")


def test_whole_lines_per_chunk_and_a_last_line_without_newline(
    client: S3Client, put_object: Callable[..., dict[str, str]]
) -> None:
    source = spec(put_object(b'{"a":1}\n{"bb":22}\n\n{"ccc":333}', key="x.jsonl"))
    assert chunks(client, source, 20) == [b'{"a":1}\n{"bb":22}\n', b'{"ccc":333}\n']
    assert b"".join(chunks(client, source, 1000)) == b'{"a":1}\n{"bb":22}\n{"ccc":333}\n'


def test_a_line_longer_than_the_limit_fails_clearly(
    client: S3Client, put_object: Callable[..., dict[str, str]]
) -> None:
    source = spec(put_object(b'{"a":1}\n{"long":"' + b"x" * 50 + b'"}\n', key="x.jsonl"))
    with pytest.raises(ProviderError, match=r"A line at byte 8 of s3://provider-test-data/x.jsonl is longer than 30"):
        chunks(client, source, 30)


def test_empty_object_is_one_empty_final_chunk(client: S3Client, put_object: Callable[..., dict[str, str]]) -> None:
    assert chunks(client, spec(put_object(b"", key="empty.jsonl")), 100) == [b""]


def test_image_bucket_rewrite_counts_toward_the_limit(
    client: S3Client, put_object: Callable[..., dict[str, str]]
) -> None:
    line = b'{"source-ref":"s3://rekognition-datasets-image-bucket/a.jpg"}\n'
    source = spec(put_object(line * 3, key="x.jsonl"), image_bucket="a-much-longer-image-bucket-name-for-the-test")
    found = chunks(client, source, 2 * len(line))
    assert [c.count(b"\n") for c in found] == [1, 1, 1]
    assert all(b"s3://a-much-longer-image-bucket-name-for-the-test/a.jpg" in c for c in found)


def test_source_refs_and_unreadable_objects(client: S3Client, put_object: Callable[..., dict[str, str]]) -> None:
    source = spec(put_object(b'{"source-ref":"s3://rekognition-datasets-image-bucket/a.jpg"}\n', key="x.jsonl"), "imgs")
    assert source_refs(client, source) == {"s3://imgs/a.jpg"}
    assert source_refs(client, SourceSpec(type="entries", bucket=BUCKET, key="missing")) is None
    assert source_refs(client, spec(put_object(b"not json\n", key="bad.jsonl"))) is None
    with pytest.raises(
        ProviderError, match="Cannot read the entries object s3://provider-test-data/missing: NoSuchKey"
    ):
        read_chunk(client, SourceSpec(type="entries", bucket=BUCKET, key="missing"), 0, 100)
