"""Images under an S3 prefix as manifest lines, one ListObjectsV2 page at a time (the console's folder rule).

``prefix/label/x.png`` is labelled ``label``; an image directly under the prefix is unlabeled; deeper folders do
not label (``prefix/label/sub/x.png`` is ``label``). Only .png/.jpg/.jpeg keys count; zero-size objects, folder
markers and hidden path parts (``.name``) are skipped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, NamedTuple

from botocore.exceptions import ClientError

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.manifest import classification_entry
from rekognition_datasets_handler.retry import error_code, is_transient

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: ListObjectsV2's most keys per call.
PAGE_KEYS = 1000


class Page(NamedTuple):
    """One listing page: its manifest lines, the keys it skipped, and the token of the next page (None: last)."""

    lines: list[str]
    skipped: int
    next_token: str | None


def image_label(relative: str) -> tuple[bool, str | None]:
    """(is an image, its label) of a key relative to the prefix."""
    parts = relative.split("/")
    if not relative.lower().endswith(IMAGE_SUFFIXES) or any(not part or part.startswith(".") for part in parts):
        return False, None
    return True, parts[0] if len(parts) > 1 else None


def manifest_line(bucket: str, key: str, label: str | None) -> str:
    """The console-format line of one image."""
    entry = classification_entry(f"s3://{bucket}/{key}", [label] if label else [])
    return json.dumps(entry, separators=(",", ":")) + "\n"


def list_page(s3: S3Client, bucket: str, prefix: str, token: str | None, page_keys: int = PAGE_KEYS) -> Page:
    """The manifest lines of one ListObjectsV2 page of ``bucket``/``prefix`` starting at ``token``."""
    kwargs = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_keys}
    if token:
        kwargs["ContinuationToken"] = token
    try:
        response = s3.list_objects_v2(**kwargs)  # type: ignore[arg-type]
    except ClientError as exc:
        if is_transient(exc):
            raise
        raise ProviderError(f"Cannot list the images under s3://{bucket}/{prefix} ({error_code(exc)}).") from exc
    lines: list[str] = []
    skipped = 0
    for item in response.get("Contents", []):
        key = item["Key"]
        is_image, label = image_label(key[len(prefix) :])
        if is_image and item.get("Size", 0) > 0:
            lines.append(manifest_line(bucket, key, label))
        else:
            skipped += 1
    next_token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
    return Page(lines, skipped, next_token)
