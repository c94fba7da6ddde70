"""Image folders (the console's folder-name labelling) and the S3 locations a manifest's lines reference."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rekognition_datasets_handler import schema
from rekognition_datasets_handler.manifest import classification_entry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

_MAGIC: Final = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}


@dataclasses.dataclass(frozen=True)
class FolderImage:
    """One image of a folder: its file, its path relative to the folder, and its label (``None``: unlabeled)."""

    path: Path
    relative: str
    label: str | None


@dataclasses.dataclass(frozen=True)
class FolderScan:
    """What a folder holds: its images, the other files (skipped), and a digest of all of them."""

    images: list[FolderImage]
    skipped: list[str]
    #: SHA-256 (hex) of every file's relative path and content, hidden files and folders excluded: the folder
    #: asset's hash, computed in the same single read of each file as the checks.
    digest: str


def scan_image_folder(root: Path, on_image: Callable[[str, bytes], None] | None = None) -> FolderScan:
    """PNG/JPEG images under ``root`` labelled by their immediate child folder, plus skipped non-image files.

    Images directly in ``root`` are unlabeled; deeper folders do not label (the console's rule). Hidden files and
    folders (``.name``) are not scanned. Each file is read once; ``on_image(relative path, content)`` gets each
    image as it is read, in the scan's (sorted) order.

    :raises ValueError: when a file named like an image is not one, or there are no images.
    """
    files: list[tuple[tuple[str, ...], Path]] = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]  # prune hidden folders
        base = Path(folder)
        parts = base.relative_to(root).parts
        files.extend(((*parts, name), base / name) for name in names if not name.startswith("."))
    images: list[FolderImage] = []
    skipped: list[str] = []
    digest = hashlib.sha256()
    for parts, path in sorted(files):
        if not path.is_file():
            continue
        relative = "/".join(parts)
        content = path.read_bytes()
        digest.update(b"%s\0%d\0" % (relative.encode(), len(content)))
        digest.update(content)
        magic = _MAGIC.get(path.suffix.lower())
        if magic is None:
            skipped.append(relative)
            continue
        if not content.startswith(magic):
            raise ValueError(f"{path} is named like a {path.suffix} image but its content is not one")
        label = parts[0] if len(parts) > 1 else None
        images.append(FolderImage(path=path, relative=relative, label=label))
        if on_image is not None:
            on_image(relative, content)
    if not images:
        raise ValueError(f"no PNG or JPEG images under {root}")
    return FolderScan(images=images, skipped=skipped, digest=digest.hexdigest())


def labels_of(image: FolderImage) -> list[str]:
    """The labels an image of a folder gets: its folder's name, or none."""
    return [image.label] if image.label is not None else []


def classification_line(object_key: str, labels: Sequence[str]) -> str:
    """A JSON line in the console's format (one attribute per label) for an image in the placeholder bucket."""
    entry = classification_entry(f"s3://{schema.IMAGE_BUCKET_PLACEHOLDER}/{object_key}", labels)
    return json.dumps(entry, separators=(",", ":"))


def referenced_locations(lines: Iterable[str]) -> dict[str, str]:
    """Bucket -> the longest common folder prefix of the ``source-ref`` keys in that bucket.

    Lines without a readable ``s3://`` source-ref are skipped (the manifest checks report them).
    """
    keys: dict[str, list[str]] = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        ref = entry.get("source-ref") if isinstance(entry, dict) else None
        if not isinstance(ref, str) or not ref.startswith("s3://") or "/" not in ref[5:]:
            continue
        bucket, key = ref[5:].split("/", 1)
        keys.setdefault(bucket, []).append(key)
    return {bucket: _folder_prefix(bucket_keys) for bucket, bucket_keys in sorted(keys.items())}


def _folder_prefix(keys: list[str]) -> str:
    prefix = posixpath.commonprefix(keys)
    cut = prefix.rfind("/")
    return prefix[: cut + 1] if cut >= 0 else ""
