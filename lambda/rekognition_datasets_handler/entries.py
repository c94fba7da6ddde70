"""Reading a JSON Lines entries object from S3 in chunks of whole lines below the UpdateDatasetEntries limit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.retry import error_code
from rekognition_datasets_handler.schema import IMAGE_BUCKET_PLACEHOLDER

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.properties import SourceSpec

PLACEHOLDER_PREFIX = f"s3://{IMAGE_BUCKET_PLACEHOLDER}/".encode()


@dataclass(frozen=True)
class Chunk:
    """Whole lines to send (``body``, possibly empty) and where the next chunk starts."""

    body: bytes
    line_count: int
    next_offset: int
    at_end: bool


def rewrite_line(line: bytes, image_bucket: str | None) -> bytes:
    """Point ``s3://<placeholder>/`` source-refs at the real image bucket."""
    if image_bucket is None:
        return line
    return line.replace(PLACEHOLDER_PREFIX, f"s3://{image_bucket}/".encode())


def location(source: SourceSpec) -> str:
    """``s3://bucket/key`` of the source's object."""
    return f"s3://{source.bucket}/{source.key}"


def object_kwargs(source: SourceSpec) -> dict[str, str]:
    """Bucket, Key and (when pinned) VersionId of the entries object, as GetObject and HeadObject take them."""
    kwargs = {"Bucket": str(source.bucket), "Key": str(source.key)}
    if source.version:
        kwargs["VersionId"] = source.version
    return kwargs


def _get(s3: S3Client, source: SourceSpec, byte_range: str | None = None) -> Any:
    kwargs = object_kwargs(source)
    if byte_range:
        kwargs["Range"] = byte_range
    try:
        return s3.get_object(**kwargs)  # type: ignore[arg-type]
    except ClientError as exc:
        if error_code(exc) == "InvalidRange":
            return None
        if error_code(exc) in {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "AccessDenied", "404", "403"}:
            raise ProviderError(f"Cannot read the entries object {location(source)}: {error_code(exc)}.") from exc
        raise


def read_chunk(s3: S3Client, source: SourceSpec, offset: int, limit: int) -> Chunk:
    """Read whole lines from ``offset`` (ranged GET) until the rewritten lines would exceed ``limit`` bytes."""
    response = _get(s3, source, f"bytes={offset}-{offset + limit - 1}")
    if response is None:
        return Chunk(body=b"", line_count=0, next_offset=offset, at_end=True)
    raw: bytes = response["Body"].read()
    total = int(str(response.get("ContentRange", "")).rpartition("/")[2] or offset + len(raw))
    reached_end = offset + len(raw) >= total
    *complete, tail = raw.split(b"\n")  # ``tail``: bytes after the last newline, partial unless at the end
    segments = [(line, len(line) + 1) for line in complete]
    if reached_end and tail:
        segments.append((tail, len(tail)))
    body, consumed, count = bytearray(), 0, 0
    for line, size in segments:
        out = rewrite_line(line.rstrip(b"\r"), source.image_bucket)
        if out.strip() and len(body) + len(out) + 1 > limit:
            break
        consumed += size
        if out.strip():
            body += out + b"\n"
            count += 1
    if consumed == 0 and (segments or not reached_end):
        raise ProviderError(f"A line at byte {offset} of {location(source)} is longer than {limit} bytes.")
    next_offset = offset + consumed
    return Chunk(body=bytes(body), line_count=count, next_offset=next_offset, at_end=next_offset >= total)


def without(chunk: Chunk, refs: set[str] | frozenset[str]) -> Chunk:
    """``chunk`` without the lines whose source-ref is in ``refs`` (lines that do not parse are kept)."""
    kept = [line for line in chunk.body.splitlines() if _source_ref(line) not in refs]
    body = b"".join(line + b"\n" for line in kept)
    return Chunk(body=body, line_count=len(kept), next_offset=chunk.next_offset, at_end=chunk.at_end)


def _source_ref(line: bytes) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    ref = entry.get("source-ref") if isinstance(entry, dict) else None
    return ref if isinstance(ref, str) else None


def fits_one_chunk(s3: S3Client, source: SourceSpec, limit: int) -> bool:
    """True when the whole object goes in one chunk (a HEAD, then a read only if it is small enough)."""
    try:
        size = int(s3.head_object(**object_kwargs(source))["ContentLength"])  # type: ignore[arg-type]
    except ClientError:
        return False  # the caller falls back to the recorded progress
    return size <= limit and read_chunk(s3, source, 0, limit).at_end


def source_refs(s3: S3Client, source: SourceSpec) -> set[str] | None:
    """Every ``source-ref`` of the object (after the image-bucket rewrite); None if it cannot be read or parsed."""
    try:
        response = _get(s3, source)
    except (ProviderError, ClientError):
        return None
    if response is None:
        return set()
    refs: set[str] = set()
    for line in response["Body"].iter_lines():
        if not line.strip():
            continue
        try:
            entry = json.loads(rewrite_line(line, source.image_bucket))
        except ValueError:
            return None
        if isinstance(entry, dict) and isinstance(entry.get("source-ref"), str):
            refs.add(entry["source-ref"])
    return refs


def check_chunk(chunk: Chunk, source: SourceSpec, offset: int) -> None:
    """Refuse a chunk holding a line the service would silently drop (bad JSON, missing/duplicate source-ref...)."""
    from rekognition_datasets_handler.manifest import ManifestValidator

    validator = ManifestValidator()
    for line in chunk.body.decode("utf-8", errors="replace").splitlines():
        result = validator.feed(line)
        if result.terminal and result.errors:
            issue = result.errors[0]
            raise ProviderError(
                f"Entries line {result.line_number} after byte {offset} of {location(source)} would be dropped "
                f"by the service: {issue.code}: {issue.message}"
            )
