"""Publish a stack's file assets (``<Stack>.assets.json``) to the emulator's S3, as ``cdk deploy`` does."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class FileAsset:
    """One file asset and where it goes."""

    asset_hash: str
    source: Path
    packaging: str
    bucket: str
    key: str


def read_file_assets(assets_path: Path, *, account: str, region: str) -> list[FileAsset]:
    """The file assets of an asset manifest, with ``${AWS::AccountId}``/``${AWS::Region}`` substituted."""
    manifest: Mapping[str, Any] = json.loads(assets_path.read_text())
    if manifest.get("dockerImages"):
        raise TemplateError(f"{assets_path.name}: Docker image assets cannot be deployed offline")
    assets: list[FileAsset] = []
    for asset_hash, asset in manifest.get("files", {}).items():
        source = asset["source"]
        if "path" not in source:
            raise TemplateError(f"asset {asset_hash}: only path sources are supported offline, not executables")
        for destination in asset["destinations"].values():
            assets.append(
                FileAsset(
                    asset_hash=asset_hash,
                    source=assets_path.parent / source["path"],
                    packaging=source.get("packaging", "file"),
                    bucket=_placeholders(destination["bucketName"], account, region),
                    key=_placeholders(destination["objectKey"], account, region),
                )
            )
    return assets


def _placeholders(text: str, account: str, region: str) -> str:
    return (
        text.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region).replace("${AWS::Partition}", "aws")
    )


def zip_directory(directory: Path) -> bytes:
    """A deterministic zip of a directory's files (sorted, fixed timestamps, permissions kept)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = (path.stat().st_mode & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def publish(s3: S3Client, assets: list[FileAsset]) -> int:
    """Upload assets not already present (creating their buckets); returns how many were uploaded."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    uploaded = 0
    for asset in assets:
        if asset.bucket not in existing:
            s3.create_bucket(Bucket=asset.bucket)
            existing.add(asset.bucket)
        elif s3.list_objects_v2(Bucket=asset.bucket, Prefix=asset.key).get("KeyCount", 0):
            continue
        if not asset.source.exists():
            raise TemplateError(f"asset {asset.asset_hash}: {asset.source} is missing from the assembly")
        body = zip_directory(asset.source) if asset.packaging == "zip" else asset.source.read_bytes()
        s3.put_object(Bucket=asset.bucket, Key=asset.key, Body=body)
        uploaded += 1
    return uploaded
