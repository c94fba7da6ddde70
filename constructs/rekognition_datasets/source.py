"""``DatasetSource``: where a dataset's entries come from, what it renders, and what the handler may read."""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3_assets as s3_assets

from rekognition_datasets import images, perms
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.manifest_check import WARNING_PREFIX, check_manifest_lines

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aws_cdk import aws_s3 as s3
    from aws_cdk.interfaces import aws_rekognition as rekognition_refs
    from constructs import Construct

    from rekognition_datasets._handler_policy import HandlerPolicy
    from rekognition_datasets_handler import schema

_IMAGE_READ_REASON = (
    "Rekognition reads a manifest's images with the caller's permissions; images are addressed by key under the "
    "declared image bucket and prefix, so the handler is scoped to that prefix."
)

#: Up to this many folder images are granted object by object; beyond, by extension in the asset bucket, so the
#: handler role's policy stays far below IAM's inline-policy size limit.
MAX_EXACT_IMAGE_GRANTS = 40
_ASSET_IMAGES_REASON = (
    "Folder images are CDK file assets named by content hash at the asset bucket's root; beyond "
    f"{MAX_EXACT_IMAGE_GRANTS} images the handler reads them by image extension there, to keep the role policy "
    "within IAM's size limit."
)


@dataclasses.dataclass(frozen=True)
class BoundSource:
    """What a source renders into a dataset's properties (``Source`` and ``SourceFingerprint``)."""

    properties: schema.SourceProperties
    fingerprint: str
    #: True when the source adds entries (everything but ``empty()``).
    has_entries: bool


class DatasetSource(abc.ABC):
    """Where a dataset's entries come from. Use the static factories; each documents what it reads."""

    @abc.abstractmethod
    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        """Create what the source needs under ``scope``, grant the handler its reads, and render it."""

    @staticmethod
    def empty() -> DatasetSource:
        """No entries: an empty dataset (e.g. the TEST dataset a ``DatasetDistribution`` fills)."""
        return _EmptySource()

    @staticmethod
    def from_bucket(
        bucket: s3.IBucket,
        key: str,
        *,
        version: str | None = None,
        images_bucket: s3.IBucket | None = None,
        images_prefix: str = "",
    ) -> DatasetSource:
        """A Ground Truth manifest already in S3; CreateDataset imports it.

        Not validated at synth (the object is not local). The fingerprint is the object location and version:
        pin ``version`` so a new manifest version re-imports the dataset.

        :param images_bucket: the bucket holding the manifest's images. Default: ``bucket``.
        :param images_prefix: the key prefix of every image, to scope the handler's reads. Default: ``""``,
            the whole images bucket.
        """
        return _BucketManifestSource(bucket, key, version, images_bucket or bucket, images_prefix)

    @staticmethod
    def from_manifest_file(path: str | Path) -> DatasetSource:
        """A local Ground Truth manifest, validated at synth and uploaded as an S3 file asset.

        The handler may read the images its lines reference (per bucket, under their longest common folder).
        The fingerprint is the asset hash.
        """
        return _ManifestFileSource(Path(path))

    @staticmethod
    def from_dataset(dataset: rekognition_refs.IDatasetRef) -> DatasetSource:
        """A copy of another dataset's entries: a ``Dataset``, an imported one, or any aws-cdk-lib ``IDatasetRef``
        (e.g. an ``aws_rekognition.CfnDataset``). The fingerprint follows a ``Dataset``'s source; of any other
        dataset, it is the ARN."""
        return _DatasetCopySource(dataset)

    @staticmethod
    def from_entries(entries: Iterable[Mapping[str, object] | str] | str) -> DatasetSource:
        """Inline entries: dicts or JSON Lines strings (one entry each), or one JSON Lines text, validated at synth.

        A single string is read as JSON Lines text: one entry per non-blank line. Any other entry (a number,
        None, bytes, a list) fails synth with a ValidationError naming its index. Written to a JSON Lines file
        asset; the handler applies them with UpdateDatasetEntries in chunks below 5 MiB, so the number of
        entries is not limited. The fingerprint is the asset hash.
        """
        # typed as what callers may really pass (a Python caller is not held to the annotation)
        given: Iterable[object] = (
            [line for line in entries.splitlines() if line.strip()] if isinstance(entries, str) else entries
        )
        lines: list[str] = []
        wrong: list[str] = []
        for index, entry in enumerate(given):
            if isinstance(entry, str):
                lines.append(entry)
            elif isinstance(entry, Mapping):
                lines.append(json.dumps(dict(entry), separators=(",", ":")))
            elif len(wrong) < _MAX_WRONG_ENTRIES:
                wrong.append(f"entry {index} is {type(entry).__name__} {_preview(entry)}")
        return _EntriesSource(lines, wrong)

    @staticmethod
    def from_image_folder(path: str | Path) -> DatasetSource:
        """A local folder of PNG/JPEG images, each uploaded as an S3 file asset.

        Each image is labelled with the name of its immediate child folder of ``path`` (deeper folders do not
        label; images directly in ``path`` are unlabeled), as the console does. Entries are generated at synth,
        validated, and applied like ``from_entries``. Other files are skipped with a warning.
        """
        return _ImageFolderSource(Path(path))


def _object_arn(bucket_name: str, key_pattern: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket_name}/{key_pattern}"


def _grant_object(policy: HandlerPolicy, bucket: s3.IBucket, key: str, *, versioned: bool) -> None:
    actions = perms.S3_OBJECT_VERSION_READ_ACTIONS if versioned else perms.S3_OBJECT_READ_ACTIONS
    policy.add_statement(actions, [bucket.arn_for_objects(key)])
    if bucket.encryption_key is not None:
        policy.add_statement(perms.KMS_DECRYPT_ACTIONS, [bucket.encryption_key.key_arn])


def _grant_referenced_images(policy: HandlerPolicy, lines: Iterable[str]) -> None:
    for bucket, prefix in images.referenced_locations(lines).items():
        policy.add_statement(
            perms.S3_OBJECT_READ_ACTIONS, [_object_arn(bucket, f"{prefix}*")], wildcard_reason=_IMAGE_READ_REASON
        )


def _write_lines(lines: Sequence[str]) -> Path:
    """Write JSON Lines to a content-addressed temporary file (same content, same path and asset hash)."""
    body = "".join(f"{line}\n" for line in lines).encode()
    folder = Path(tempfile.gettempdir()) / "rekognition-datasets" / hashlib.sha256(body).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "entries.jsonl"
    if not path.exists():
        path.write_bytes(body)
    return path


def _entries_asset(scope: Construct, policy: HandlerPolicy, lines: Sequence[str]) -> s3_assets.Asset:
    asset = s3_assets.Asset(scope, "Entries", path=str(_write_lines(lines)))
    _grant_object(policy, asset.bucket, asset.s3_object_key, versioned=False)
    return asset


class _EmptySource(DatasetSource):
    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        properties: schema.EmptySourceProperties = {"Type": "empty"}
        return BoundSource(properties=properties, fingerprint="empty", has_entries=False)


class _BucketManifestSource(DatasetSource):
    def __init__(
        self, bucket: s3.IBucket, key: str, version: str | None, images_bucket: s3.IBucket, images_prefix: str
    ) -> None:
        self._bucket = bucket
        self._key = key
        self._version = version
        self._images_bucket = images_bucket
        self._images_prefix = images_prefix

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        if not self._key:
            raise ValidationError(scope, "DatasetSource.from_bucket needs the manifest's object key")
        _grant_object(policy, self._bucket, self._key, versioned=self._version is not None)
        policy.add_statement(
            perms.S3_OBJECT_READ_ACTIONS,
            [self._images_bucket.arn_for_objects(f"{self._images_prefix}*")],
            wildcard_reason=_IMAGE_READ_REASON,
        )
        if self._images_bucket.encryption_key is not None:
            policy.add_statement(perms.KMS_DECRYPT_ACTIONS, [self._images_bucket.encryption_key.key_arn])
        properties: schema.ManifestSourceProperties = {
            "Type": "manifest",
            "Bucket": self._bucket.bucket_name,
            "Key": self._key,
        }
        fingerprint = f"s3://{self._bucket.bucket_name}/{self._key}"
        if self._version is not None:
            properties["Version"] = self._version
            fingerprint += f"?versionId={self._version}"
        return BoundSource(properties=properties, fingerprint=fingerprint, has_entries=True)


class _ManifestFileSource(DatasetSource):
    def __init__(self, path: Path) -> None:
        self._path = path

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        if not self._path.is_file():
            raise ValidationError(scope, f"manifest file {self._path} does not exist or is not a file")
        with self._path.open(encoding="utf-8") as lines:  # streamed: manifests may be large
            check_manifest_lines(scope, lines, str(self._path))
        asset = s3_assets.Asset(scope, "Manifest", path=str(self._path))
        _grant_object(policy, asset.bucket, asset.s3_object_key, versioned=False)
        with self._path.open(encoding="utf-8") as lines:
            _grant_referenced_images(policy, lines)
        properties: schema.ManifestSourceProperties = {
            "Type": "manifest",
            "Bucket": asset.s3_bucket_name,
            "Key": asset.s3_object_key,
        }
        return BoundSource(properties=properties, fingerprint=asset.asset_hash, has_entries=True)


#: Wrong entries from_entries names before it stops listing them.
_MAX_WRONG_ENTRIES = 5


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _EntriesSource(DatasetSource):
    def __init__(self, lines: list[str], wrong: list[str]) -> None:
        self._lines = lines
        self._wrong = wrong

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        if self._wrong:
            raise ValidationError(
                scope,
                "DatasetSource.from_entries: "
                + "; ".join(self._wrong)
                + ": each entry must be a dict or a JSON string (one manifest line), or pass one JSON Lines text",
            )
        if not self._lines:
            raise ValidationError(scope, "DatasetSource.from_entries got no entries; use DatasetSource.empty()")
        check_manifest_lines(scope, self._lines, "inline entries")
        asset = _entries_asset(scope, policy, self._lines)
        _grant_referenced_images(policy, self._lines)
        properties: schema.EntriesSourceProperties = {
            "Type": "entries",
            "Bucket": asset.s3_bucket_name,
            "Key": asset.s3_object_key,
        }
        return BoundSource(properties=properties, fingerprint=asset.asset_hash, has_entries=True)


class _ImageFolderSource(DatasetSource):
    def __init__(self, path: Path) -> None:
        self._path = path

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        if not self._path.is_dir():
            raise ValidationError(scope, f"image folder {self._path} does not exist or is not a folder")
        try:
            found, skipped = images.scan_image_folder(self._path)
        except ValueError as error:
            raise ValidationError(scope, str(error)) from error
        for name in skipped:
            cdk.Annotations.of(scope).add_warning_v2(
                WARNING_PREFIX + "skipped-file", f"{self._path}/{name} is not a PNG or JPEG image; skipped"
            )
        # Byte-identical images share one asset object (assets are content-addressed): one entry, all labels.
        labels_by_key: dict[str, list[str]] = {}
        files_by_key: dict[str, list[str]] = {}
        image_bucket = ""
        image_arns: list[str] = []
        image_patterns: set[str] = set()
        for image in found:
            asset_id = "Image" + hashlib.sha256(image.relative.encode()).hexdigest()[:16]
            asset = s3_assets.Asset(scope, asset_id, path=str(image.path))
            image_bucket = asset.s3_bucket_name
            key = asset.s3_object_key
            if key not in labels_by_key:
                image_arns.append(asset.bucket.arn_for_objects(key))
                image_patterns.add(asset.bucket.arn_for_objects(f"*{image.path.suffix.lower()}"))
            labels = labels_by_key.setdefault(key, [])
            if image.label is not None and image.label not in labels:
                labels.append(image.label)
            files_by_key.setdefault(key, []).append(image.relative)
        for names in files_by_key.values():
            if len(names) > 1:
                cdk.Annotations.of(scope).add_warning_v2(
                    WARNING_PREFIX + "identical-images",
                    f"{', '.join(names)} under {self._path} are identical; they become one entry with all their labels",
                )
        lines = [images.classification_line(key, labels) for key, labels in labels_by_key.items()]
        if len(image_arns) <= MAX_EXACT_IMAGE_GRANTS:
            policy.add_statement(perms.S3_OBJECT_READ_ACTIONS, image_arns)
        else:
            policy.add_statement(
                perms.S3_OBJECT_READ_ACTIONS, sorted(image_patterns), wildcard_reason=_ASSET_IMAGES_REASON
            )
        check_manifest_lines(scope, lines, f"entries generated from {self._path}")
        entries = _entries_asset(scope, policy, lines)
        properties: schema.EntriesSourceProperties = {
            "Type": "entries",
            "Bucket": entries.s3_bucket_name,
            "Key": entries.s3_object_key,
            "ImageBucket": image_bucket,
        }
        return BoundSource(properties=properties, fingerprint=entries.asset_hash, has_entries=True)


class _DatasetCopySource(DatasetSource):
    def __init__(self, dataset: rekognition_refs.IDatasetRef) -> None:
        self._dataset = dataset

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        from rekognition_datasets.dataset import Dataset

        source = Dataset.from_dataset_ref(scope, "SourceDataset", self._dataset)
        declared_here = isinstance(source, Dataset) and cdk.Stack.of(source) is cdk.Stack.of(scope)
        if not declared_here:
            # A dataset declared in this stack is already readable through its project's dataset pattern; naming
            # its ARN attribute here would make the provider depend on a resource that depends on the provider.
            policy.add_statement(perms.DATASET_COPY_ACTIONS, [source.dataset_arn])
        properties: schema.DatasetCopySourceProperties = {"Type": "dataset", "DatasetArn": source.dataset_arn}
        return BoundSource(properties=properties, fingerprint=source.source_fingerprint, has_entries=True)
