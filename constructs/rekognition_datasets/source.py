"""``DatasetSource``: where a dataset's entries come from, what it renders, and what the handler may read."""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aws_cdk as cdk
from aws_cdk import aws_s3_assets as s3_assets

from rekognition_datasets import folder_zip, images, perms
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

#: Where the handler stages what it builds from a folder or prefix source (extracted images, the manifest):
#: ``<staging prefix><fingerprint>/...``. Reserved: a listed prefix may not hold it.
STAGING_PREFIX: Final = "rekognition-datasets/"
_ASSET_READ_REASON = (
    "CDK file assets are named by content hash at the asset bucket's root; beyond a few per stack the handler "
    "reads them by file extension there, so the role's policy stays the same size for any number of datasets."
)
_DATASET_COPY_REASON = (
    "Dataset ARNs end in a creation timestamp chosen by the service; beyond a few copied datasets per stack the "
    "handler may describe and list the entries of any dataset in their account and region (read-only), so the "
    "role's policy stays the same size for any number of copies."
)
_STAGING_REASON = (
    "The handler writes what it builds for a dataset (extracted images, the Ground Truth manifest) under the "
    "reserved staging prefix, one folder per source fingerprint, and Rekognition reads them back with the "
    "handler's permissions; their keys are only known at deploy time."
)
_PREFIX_READ_REASON = (
    "A prefix source's images are every object under the declared prefix, labelled by their sub-prefix; the "
    "handler lists and reads them there (Rekognition reads them with the handler's permissions)."
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
        """A local folder of PNG/JPEG images, uploaded as one ZIP file asset (cost linear in its bytes).

        Each image is labelled with the name of its immediate child folder of ``path`` (deeper folders do not
        label; images directly in ``path`` are unlabeled), as the console does. The folder is scanned and its
        labels validated at synth; other files are skipped with a warning. At deploy time the handler extracts
        the images under ``rekognition-datasets/`` in the asset bucket, writes their manifest there and creates
        the dataset from it. The fingerprint is the asset hash (any changed file rebuilds the dataset).
        """
        return _ImageFolderSource(Path(path))

    @staticmethod
    def from_bucket_prefix(
        bucket: s3.IBucket,
        prefix: str,
        *,
        refresh: str | None = None,
        staging_bucket: s3.IBucket | None = None,
        staging_prefix: str = STAGING_PREFIX,
    ) -> DatasetSource:
        """The PNG/JPEG images already in S3 under ``prefix``, labelled by their immediate sub-prefix (the
        console's folder-name rule: ``<prefix>cat/1.png`` is a ``cat``; objects directly under ``prefix`` are
        unlabeled).

        At deploy time the handler pages through the objects (across ``is_complete`` polls), writes a Ground
        Truth manifest under the staging location and creates the dataset from it. Nothing reads the objects at
        synth, so a change of the prefix's content is picked up only when ``refresh`` changes: set it to
        anything new (a date, a data version) to rebuild the dataset from the prefix as it is then.

        :param prefix: ``""`` (the whole bucket) or a key prefix ending in ``/``.
        :param refresh: part of the fingerprint; change it to rebuild from the prefix's current content.
            Default: ``None`` (the dataset is built once).
        :param staging_bucket: where the handler writes the manifest. Default: ``bucket``.
        :param staging_prefix: the key prefix it writes under (``<staging_prefix><fingerprint>/...``); must not
            lie under ``prefix`` in the same bucket. Default: ``rekognition-datasets/``.
        """
        return _PrefixSource(bucket, prefix, refresh, staging_bucket or bucket, staging_prefix)


def _object_arn(bucket_name: str, key_pattern: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket_name}/{key_pattern}"


def _grant_object(policy: HandlerPolicy, bucket: s3.IBucket, key: str, *, versioned: bool) -> None:
    actions = perms.S3_OBJECT_VERSION_READ_ACTIONS if versioned else perms.S3_OBJECT_READ_ACTIONS
    policy.add_statement(actions, [bucket.arn_for_objects(key)])
    if bucket.encryption_key is not None:
        policy.add_statement(perms.KMS_DECRYPT_ACTIONS, [bucket.encryption_key.key_arn])


def _grant_asset(policy: HandlerPolicy, asset: s3_assets.Asset) -> None:
    """Let the handler read ``asset``: listed object by object, or by extension beyond a few per stack."""
    key = asset.s3_object_key
    extension = "" if cdk.Token.is_unresolved(key) else Path(key).suffix
    policy.add_bounded(
        perms.S3_OBJECT_READ_ACTIONS,
        asset.bucket.arn_for_objects(key),
        fallback=asset.bucket.arn_for_objects(f"*{extension}"),
        reason=_ASSET_READ_REASON,
    )
    if asset.bucket.encryption_key is not None:
        policy.add_statement(perms.KMS_DECRYPT_ACTIONS, [asset.bucket.encryption_key.key_arn])


def _grant_dataset_copy(policy: HandlerPolicy, stack: cdk.Stack, dataset_arn: str) -> None:
    """Let the handler read the dataset ``dataset_arn`` to copy it: listed dataset by dataset, beyond a few per
    account and region every dataset there (read-only actions)."""
    where: dict[str, str | None] = {"partition": None, "region": None, "account": None}  # a token: the stack's
    if not cdk.Token.is_unresolved(dataset_arn):
        parts = cdk.Arn.split(dataset_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME)
        where = {"partition": parts.partition, "region": parts.region, "account": parts.account}
    everywhere = stack.format_arn(
        service="rekognition",
        resource="project",
        resource_name="*/dataset/*",
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        **where,
    )
    policy.add_bounded(perms.DATASET_COPY_ACTIONS, dataset_arn, fallback=everywhere, reason=_DATASET_COPY_REASON)


def _grant_list(policy: HandlerPolicy, bucket: s3.IBucket, prefix: str) -> None:
    """Let the handler list ``bucket``, only for keys under ``prefix``."""
    policy.add_statement(
        perms.S3_LIST_ACTIONS, [bucket.bucket_arn], conditions={"StringLike": {"s3:prefix": f"{prefix}*"}}
    )


def _grant_staging(policy: HandlerPolicy, bucket: s3.IBucket, prefix: str) -> None:
    """Let the handler write, list and read back what it stages under ``bucket``/``prefix`` (listing also makes a
    missing staged object a 404 rather than a 403, which is how the handler tells "not staged yet")."""
    _grant_list(policy, bucket, prefix)
    policy.add_statement(
        perms.S3_STAGING_ACTIONS, [bucket.arn_for_objects(f"{prefix}*")], wildcard_reason=_STAGING_REASON
    )
    if bucket.encryption_key is not None:
        policy.add_statement(perms.KMS_ENCRYPT_ACTIONS, [bucket.encryption_key.key_arn])


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
    _grant_asset(policy, asset)
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
        _grant_asset(policy, asset)
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
            scan, zipped = folder_zip.zip_image_folder(scope, self._path)
        except ValueError as error:
            raise ValidationError(scope, str(error)) from error
        for name in scan.skipped:
            cdk.Annotations.of(scope).add_warning_v2(
                WARNING_PREFIX + "skipped-file", f"{self._path}/{name} is not a PNG or JPEG image; skipped"
            )
        # The entries the handler will build, checked now (labels, counts): plain Python, nothing per image in CDK.
        lines = [images.classification_line(image.relative, images.labels_of(image)) for image in scan.images]
        check_manifest_lines(scope, lines, f"images under {self._path}")
        # The scan's digest is the asset hash and the scan wrote the zip where CDK stages it: synth reads each file
        # once and writes its bytes once; CDK neither fingerprints, copies nor re-zips the folder.
        asset = s3_assets.Asset(
            scope, "Images", path=str(zipped), asset_hash=scan.digest, asset_hash_type=cdk.AssetHashType.CUSTOM
        )
        if Path(asset.asset_path).name != zipped.name:
            zipped.unlink()  # a CDK naming staged files otherwise has copied it: keep its copy only
        _grant_asset(policy, asset)
        _grant_staging(policy, asset.bucket, STAGING_PREFIX)
        properties: schema.FolderSourceProperties = {
            "Type": "folder",
            "Bucket": asset.s3_bucket_name,
            "Key": asset.s3_object_key,
            "StagingBucket": asset.s3_bucket_name,
            "StagingPrefix": STAGING_PREFIX,
        }
        return BoundSource(properties=properties, fingerprint=asset.asset_hash, has_entries=True)


class _PrefixSource(DatasetSource):
    def __init__(
        self, bucket: s3.IBucket, prefix: str, refresh: str | None, staging_bucket: s3.IBucket, staging_prefix: str
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix
        self._refresh = refresh
        self._staging_bucket = staging_bucket
        self._staging_prefix = staging_prefix

    def _bind(self, scope: Construct, policy: HandlerPolicy) -> BoundSource:
        self._check(scope)
        bucket_name = self._bucket.bucket_name
        _grant_list(policy, self._bucket, self._prefix)
        policy.add_statement(
            perms.S3_OBJECT_READ_ACTIONS,
            [self._bucket.arn_for_objects(f"{self._prefix}*")],
            wildcard_reason=_PREFIX_READ_REASON,
        )
        if self._bucket.encryption_key is not None:
            policy.add_statement(perms.KMS_DECRYPT_ACTIONS, [self._bucket.encryption_key.key_arn])
        _grant_staging(policy, self._staging_bucket, self._staging_prefix)
        properties: schema.PrefixSourceProperties = {
            "Type": "prefix",
            "Bucket": bucket_name,
            "Prefix": self._prefix,
            "StagingBucket": self._staging_bucket.bucket_name,
            "StagingPrefix": self._staging_prefix,
        }
        return BoundSource(properties=properties, fingerprint=self._fingerprint(), has_entries=True)

    def _check(self, scope: Construct) -> None:
        for name, value in (("prefix", self._prefix), ("staging_prefix", self._staging_prefix)):
            if cdk.Token.is_unresolved(value):
                raise ValidationError(scope, f"DatasetSource.from_bucket_prefix {name} must be known at synth")
            if value.startswith("/") or (value and not value.endswith("/")):
                raise ValidationError(
                    scope,
                    f"DatasetSource.from_bucket_prefix {name} {value!r} must be '' or a key prefix ending in '/' "
                    "with no leading '/' (e.g. 'images/')",
                )
        if not self._staging_prefix:
            raise ValidationError(scope, "DatasetSource.from_bucket_prefix staging_prefix must not be empty")
        same_bucket = self._staging_bucket is self._bucket or (
            self._staging_bucket.bucket_name == self._bucket.bucket_name
        )
        if same_bucket and self._staging_prefix.startswith(self._prefix):
            raise ValidationError(
                scope,
                f"DatasetSource.from_bucket_prefix staging_prefix {self._staging_prefix!r} lies under the listed "
                f"prefix {self._prefix!r}, so staged files would be read as images; pass a staging_prefix outside "
                "it or a staging_bucket",
            )

    def _fingerprint(self) -> str:
        """Bucket, prefix and ``refresh``: a token bucket name is identified by its construct path (stable)."""
        name = self._bucket.bucket_name
        bucket = f"path:{self._bucket.node.path}" if cdk.Token.is_unresolved(name) else name
        identity = json.dumps([bucket, self._prefix, self._refresh])
        return "prefix-" + hashlib.sha256(identity.encode()).hexdigest()[:32]


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
            _grant_dataset_copy(policy, cdk.Stack.of(scope), source.dataset_arn)
        properties: schema.DatasetCopySourceProperties = {"Type": "dataset", "DatasetArn": source.dataset_arn}
        return BoundSource(properties=properties, fingerprint=source.source_fingerprint, has_entries=True)
