"""Small S3 helpers for the staging pipeline: a seekable reader over ranged GETs, JSON state objects."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler.retry import error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: Read-ahead of the buffered reader: consecutive small zip members come from one GET.
READ_AHEAD_BYTES = 1024 * 1024
NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})


class RangedReader(io.RawIOBase):
    """A read-only, seekable view of one S3 object; every read is one ranged GetObject."""

    def __init__(self, s3: S3Client, bucket: str, key: str) -> None:
        super().__init__()
        self._s3, self._bucket, self._key = s3, bucket, key
        self.size = int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
        self._pos = 0
        #: GetObject calls made (for tests and logs)
        self.gets = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        end = min(self._pos + len(buffer), self.size)
        if end <= self._pos:
            return 0
        body = self._s3.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-{end - 1}")["Body"]
        data = body.read()
        self.gets += 1
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def open_object(s3: S3Client, bucket: str, key: str) -> io.BufferedReader:
    """A buffered, seekable reader of ``s3://bucket/key`` (HeadObject now, ranged GETs as it is read)."""
    return io.BufferedReader(RangedReader(s3, bucket, key), buffer_size=READ_AHEAD_BYTES)


def is_missing(exc: Exception) -> bool:
    """True when an S3 error says the object (or bucket) is not there, or not there for us (403: S3 answers a
    HeadObject of a missing key with 403 to a caller without s3:ListBucket)."""
    return error_code(exc) in NOT_FOUND | {"NoSuchBucket", "403", "AccessDenied"}


def read_json(s3: S3Client, bucket: str, key: str) -> dict[str, Any] | None:
    """The JSON object stored at ``key``; None when there is none."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return None
        raise
    value = json.loads(body)
    return value if isinstance(value, dict) else None


def write_json(s3: S3Client, bucket: str, key: str, value: dict[str, Any]) -> None:
    """Store ``value`` at ``key`` in one PutObject (so a reader sees all of it or the previous version)."""
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(value, separators=(",", ":")).encode())
