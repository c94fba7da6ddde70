"""A zipped image folder (the CDK asset) extracted into the staging bucket, a batch of members per step.

The central directory is read with ranged GETs; members are taken in the order S3 lists their staged keys, so one
ListObjectsV2 per batch shows which are already staged with the right size (a repeated step skips them).
"""

from __future__ import annotations

import posixpath
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from botocore.exceptions import ClientError

from rekognition_datasets_handler import s3io
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.staging_prefix import image_label

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_s3 import S3Client

#: Concurrent PutObject calls: one at a time, 250,000 images would take hours of polls.
PUT_WORKERS = 10  # botocore's default connection pool per client
#: Bytes of members read into memory at once (then uploaded together): memory stays bounded whatever the batch.
GROUP_BYTES = 64 * 1024 * 1024
#: The largest image Custom Labels trains on (15 MB); a bigger member is refused before it is read.
MAX_MEMBER_BYTES = 15 * 1024 * 1024


class Batch(NamedTuple):
    """What one extraction step did: members staged, members found already staged, the next member's index."""

    staged: int
    present: int
    next_index: int
    at_end: bool


def _where(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def image_members(archive: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    """The archive's non-empty PNG/JPEG members, sorted as S3 lists keys; a member with an unsafe name fails."""
    members = []
    for info in archive.infolist():
        name = info.filename
        if name.startswith("/") or "\\" in name or posixpath.normpath(name) != name.rstrip("/"):
            raise ProviderError(f"The image folder zip {where} has a member with an unsafe name: {name!r:.120}.")
        if info.is_dir() or not image_label(name)[0] or info.file_size == 0:
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            raise ProviderError(
                f"The image {name!r:.120} in {where} is over 15 MB, the largest image Custom Labels takes."
            )
        members.append(info)
    return sorted(members, key=lambda info: info.filename.encode())


def _staged_sizes(s3: S3Client, bucket: str, prefix: str, after: str | None, count: int) -> dict[str, int]:
    kwargs = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": count}
    if after is not None:
        kwargs["StartAfter"] = after
    response = s3.list_objects_v2(**kwargs)  # type: ignore[arg-type]
    return {item["Key"]: int(item.get("Size", 0)) for item in response.get("Contents", [])}


class Folder(NamedTuple):
    """An open zipped image folder: the archive, its image members in staging order, and where it is."""

    archive: zipfile.ZipFile
    members: list[zipfile.ZipInfo]
    where: str


@contextmanager
def opened(s3: S3Client, bucket: str, key: str) -> Iterator[Folder]:
    """The zip at ``bucket``/``key``, its central directory read once (ranged GETs) for a step's batches;
    raises ``ProviderError`` naming it when it is missing or not a zip."""
    where = _where(bucket, key)
    try:
        raw = s3io.open_object(s3, bucket, key)
        archive = zipfile.ZipFile(raw)
    except ClientError as exc:
        if is_transient(exc) or not s3io.is_missing(exc):
            raise
        raise ProviderError(f"The image folder zip {where} is not readable ({error_code(exc)}).") from exc
    except zipfile.BadZipFile as exc:
        raise ProviderError(f"The image folder {where} is not a readable zip file: {exc}.") from exc
    with raw, archive:
        yield Folder(archive, image_members(archive, where), where)


def extract_batch(s3: S3Client, folder: Folder, dest_bucket: str, dest_prefix: str, start: int, count: int) -> Batch:
    """Stage the image members ``start``.. (at most ``count``) under ``dest_prefix``, skipping those already staged
    with their size; raises ``ProviderError`` naming the zip and member when one cannot be extracted.
    """
    members = folder.members
    batch = members[start : start + count]
    after = dest_prefix + members[start - 1].filename if start else None
    sizes = _staged_sizes(s3, dest_bucket, dest_prefix, after, max(1, len(batch)))
    todo = [info for info in batch if sizes.get(dest_prefix + info.filename) != info.file_size]
    for group in _groups(todo):
        bodies = [(dest_prefix + info.filename, _read_member(folder.archive, info, folder.where)) for info in group]
        _put_all(s3, dest_bucket, bodies)
    end = start + len(batch)
    return Batch(staged=len(todo), present=len(batch) - len(todo), next_index=end, at_end=end >= len(members))


def _groups(members: list[zipfile.ZipInfo]) -> Iterator[list[zipfile.ZipInfo]]:
    """``members`` in groups of at most ``GROUP_BYTES`` (or one member) and ``PUT_WORKERS`` * 4 members."""
    group: list[zipfile.ZipInfo] = []
    size = 0
    for info in members:
        if group and (size + info.file_size > GROUP_BYTES or len(group) >= PUT_WORKERS * 4):
            yield group
            group, size = [], 0
        group.append(info)
        size += info.file_size
    if group:
        yield group


def _put_all(s3: S3Client, bucket: str, bodies: list[tuple[str, bytes]]) -> None:
    """PutObject each (key, body), ``PUT_WORKERS`` at a time (boto3 clients are thread-safe)."""
    with ThreadPoolExecutor(max_workers=PUT_WORKERS) as pool:
        for _ in pool.map(lambda item: s3.put_object(Bucket=bucket, Key=item[0], Body=item[1]), bodies):
            pass


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        raise ProviderError(f"The image {info.filename!r:.120} in {where} cannot be extracted: {exc}.") from exc
