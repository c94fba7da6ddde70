"""Proof that a declared source can be built, taken before a rebuild deletes the dataset that holds the old one.

- ``manifest``: the object (and version) is readable (HeadObject), at most 1 GiB, and passes every rule that
  fails a whole import (empty, too many rows, too many invalid lines, too many labels, images in several
  buckets), streamed through the shared manifest rules with the service's decoding.
- ``entries``: every chunk the build would send is readable and passes the build's own check.
- ``prefix``, ``folder``: the manifest they staged, as ``manifest`` (staging finishes before any rebuild).
- ``dataset`` (a copy): the source dataset exists and is CREATE_COMPLETE or UPDATE_COMPLETE.

The whole manifest is validated in the one invocation that decides the rebuild; it is not paged across polls:
the validator's state (every stored source-ref, for duplicates) cannot travel between stateless polls, and it
fits: the service parses at most 250,000 lines of at most 1 GiB, which the shared rules validate at about
30 MiB/s per core (bench B5), about two minutes at the handler's 512 MB (about 0.3 vCPU), inside its 300 s
timeout. Were an invocation cut short, the rebuild would not have started: nothing is deleted before the proof.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

from botocore.exceptions import ClientError

from rekognition_datasets_handler import entries, service
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.manifest import ManifestValidator
from rekognition_datasets_handler.manifest.codes import MAX_MANIFEST_BYTES
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.schema import STAGED_SOURCE_TYPES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.clients import Clients
    from rekognition_datasets_handler.properties import DatasetSpec, SourceSpec

UNCHANGED = "The dataset was left unchanged."


def buildable(spec: DatasetSpec, clients: Clients, chunk_bytes: int) -> bool:
    """True when ``spec``'s source is proven buildable; False while a copied dataset is still settling.

    Raises ``ProviderError`` naming the object (bucket, key, version) or the source dataset when it cannot be built.
    """
    source = spec.source
    if source.type in STAGED_SOURCE_TYPES:
        from rekognition_datasets_handler.staging import manifest_source

        _prove_manifest(clients.s3, manifest_source(spec))
    elif source.type == "manifest":
        _prove_manifest(clients.s3, source)
    elif source.type == "entries":
        _prove_entries(clients.s3, source, chunk_bytes)
    elif source.type == "dataset":
        return _prove_copy(clients, str(source.dataset_arn))
    return True


def named(source: SourceSpec) -> str:
    """``s3://bucket/key`` of the source's object, with its version when one is pinned."""
    version = f" (version {source.version})" if source.version else ""
    return f"{entries.location(source)}{version}"


def _head(s3: S3Client, source: SourceSpec, what: str) -> int:
    try:
        return int(s3.head_object(**entries.object_kwargs(source))["ContentLength"])  # type: ignore[arg-type]
    except ClientError as exc:
        if is_transient(exc):
            raise
        raise ProviderError(f"The {what} {named(source)} is not readable ({error_code(exc)}). {UNCHANGED}") from exc


def _prove_manifest(s3: S3Client, source: SourceSpec) -> None:
    if _head(s3, source, "manifest") > MAX_MANIFEST_BYTES:
        raise ProviderError(f"The manifest {named(source)} is larger than 1 GiB, the service's limit. {UNCHANGED}")
    validator = ManifestValidator()
    validator.feed_all(_lines(s3, source))
    summary = validator.finish()
    if summary.file_errors:
        issue = summary.file_errors[0]
        raise ProviderError(
            f"The manifest {named(source)} would fail to import: {issue.code}: {issue.message} {UNCHANGED}"
        )


def _lines(s3: S3Client, source: SourceSpec) -> Iterator[str]:
    """The object's lines, decoded as the service reads a manifest (undecodable bytes become invalid lines)."""
    try:
        body = s3.get_object(**entries.object_kwargs(source))["Body"]  # type: ignore[arg-type]
    except ClientError as exc:
        if is_transient(exc):
            raise
        raise ProviderError(f"The manifest {named(source)} is not readable ({error_code(exc)}). {UNCHANGED}") from exc
    raw = cast("io.RawIOBase", body)  # botocore's StreamingBody has the readinto() a buffered reader needs
    with io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", errors="surrogateescape") as text:
        yield from text


def _prove_entries(s3: S3Client, source: SourceSpec, chunk_bytes: int) -> None:
    _head(s3, source, "entries object")
    offset, at_end = 0, False
    while not at_end:
        chunk = entries.read_chunk(s3, source, offset, chunk_bytes)
        entries.check_chunk(chunk, source, offset)
        offset, at_end = chunk.next_offset, chunk.at_end


def _prove_copy(clients: Clients, arn: str) -> bool:
    dataset = service.describe(clients.rekognition, arn, {})
    if dataset is None:
        raise ProviderError(f"The source dataset {arn} does not exist. {UNCHANGED}")
    if dataset.status in service.IN_PROGRESS:
        return False
    if dataset.status not in service.COMPLETE:
        raise ProviderError(f"The source dataset {arn} is {dataset.status}, not complete. {UNCHANGED}")
    return True
