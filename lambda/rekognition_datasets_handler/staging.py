"""Staged sources (prefix, folder): a Ground Truth manifest built at deploy time, a bounded step per poll.

The work is paged: a folder's zip members are extracted a batch at a time, then the images are listed a page at
a time (ListObjectsV2, 1,000 keys), each line validated with the shared manifest rules as it is produced and the
manifest written with a multipart upload (a part per ``StagingLimits.part_bytes`` of lines). All state between
polls is one small progress object beside the manifest, written in one PutObject after each part and at the end
of each step: a crashed or repeated step resumes from it (a part number re-uploaded replaces the same part).

Layout, under ``s3://StagingBucket/StagingPrefix<id>/`` (``id`` from the source and its ``SourceFingerprint``,
so a repeated deploy with the same fingerprint reuses the finished manifest without listing anything):
``images/<path in the folder>`` (folder only), ``manifest/output.manifest`` and ``manifest/progress.json``.
The dataset is then created from the manifest by the service (CreateDataset ``GroundTruthManifest``). Deleting the
dataset leaves these objects, like the CDK assets in the asset bucket: a lifecycle rule on the staging prefix
(including ``AbortIncompleteMultipartUpload``) is what removes them.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler import s3io, staging_prefix, staging_zip
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.manifest import ManifestValidator
from rekognition_datasets_handler.manifest.codes import MAX_LABELS, MAX_LINES
from rekognition_datasets_handler.properties import SourceSpec
from rekognition_datasets_handler.retry import error_code, is_transient

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_handler.properties import DatasetSpec
    from rekognition_datasets_handler.runtime import Runtime, StagingLimits

EXTRACT, LIST, DONE = "extract", "list", "done"


def area(spec: DatasetSpec) -> str:
    """The staging folder of ``spec``'s source generation: ``StagingPrefix<id>/``."""
    payload = json.dumps([spec.source.canonical(), spec.source_fingerprint or ""], sort_keys=True)
    return f"{spec.source.staging_prefix}{hashlib.sha256(payload.encode()).hexdigest()[:32]}/"


def manifest_source(spec: DatasetSpec) -> SourceSpec:
    """The staged manifest of ``spec`` as a manifest source (what CreateDataset and the rebuild proof read)."""
    return SourceSpec(type="manifest", bucket=spec.source.staging_bucket, key=area(spec) + "manifest/output.manifest")


def described(source: SourceSpec) -> str:
    """Where a staged source's images come from, for messages."""
    return f"s3://{source.bucket}/{source.prefix if source.type == 'prefix' else source.key}"


def advance(spec: DatasetSpec, runtime: Runtime) -> SourceSpec | None:
    """One bounded step of staging; the manifest source once it is staged, None while work remains.

    Raises ``ProviderError`` naming the source when it has no images, a member cannot be extracted, or a line
    fails the manifest rules; the unfinished upload and the progress are then discarded, so a retry starts over.
    """
    s3 = runtime.clients.s3
    progress_key = area(spec) + "manifest/progress.json"
    bucket = str(spec.source.staging_bucket)
    state = s3io.read_json(s3, bucket, progress_key) or {"phase": EXTRACT if spec.source.type == "folder" else LIST}
    if state["phase"] == DONE:
        return manifest_source(spec)
    run = _Step(spec, runtime, state, progress_key)
    try:
        run.work()
    except ProviderError:
        run.abandon()
        raise
    return manifest_source(spec) if state["phase"] == DONE else None


class _Step:
    """One poll's share of the staging work, ending with the progress written back."""

    def __init__(self, spec: DatasetSpec, runtime: Runtime, state: dict[str, Any], progress_key: str) -> None:
        self.spec, self.runtime, self.state, self.progress_key = spec, runtime, state, progress_key
        self.s3: S3Client = runtime.clients.s3
        self.limits: StagingLimits = runtime.staging
        self.bucket = str(spec.source.staging_bucket)
        self.manifest = manifest_source(spec)
        self.deadline = runtime.budget.clock() + self.limits.seconds
        self.log = runtime.log.bind(staging=f"s3://{self.bucket}/{area(spec)}")

    def _time_left(self) -> bool:
        return self.runtime.budget.clock() < self.deadline

    def _save(self) -> None:
        s3io.write_json(self.s3, self.bucket, self.progress_key, self.state)

    def work(self) -> None:
        """Extract (folder), then list, until the step's limits; at least one batch or page per step."""
        state = self.state
        if state["phase"] == EXTRACT:
            self._extract()
        while state["phase"] == LIST:
            self._list_page()
            if state["phase"] == LIST and not self._time_left():
                break
        self._save()

    def _extract(self) -> None:
        """Extract zip members a batch at a time (the central directory read once per step)."""
        source, state = self.spec.source, self.state
        with staging_zip.opened(self.s3, str(source.bucket), str(source.key)) as folder:
            while state["phase"] == EXTRACT:
                batch = staging_zip.extract_batch(
                    self.s3,
                    folder,
                    self.bucket,
                    area(self.spec) + "images/",
                    int(state.get("member", 0)),
                    self.limits.members,
                )
                state["member"] = batch.next_index
                state["phase"] = LIST if batch.at_end else EXTRACT
                self.log.info("staged zip members", step="stage-extract", staged=batch.staged, present=batch.present)
                if not self._time_left():
                    return

    def _listed(self) -> tuple[str, str]:
        source = self.spec.source
        if source.type == "folder":
            return self.bucket, area(self.spec) + "images/"
        return str(source.bucket), str(source.prefix)

    def _list_page(self) -> None:
        state = self.state
        bucket, prefix = self._listed()
        page = staging_prefix.list_page(self.s3, bucket, prefix, state.get("token"), self.limits.page_keys)
        self._check(page.lines)
        state["token"] = page.next_token
        state["lines"] = int(state.get("lines", 0)) + len(page.lines)
        state["skipped"] = int(state.get("skipped", 0)) + page.skipped
        state["pending"] = state.get("pending", "") + "".join(page.lines)
        at_end = page.next_token is None
        if at_end and not state["lines"]:
            raise ProviderError(
                f"No PNG or JPEG images under {described(self.spec.source)} ({state['skipped']} other objects); "
                "put images there (a folder per label) or fix the source."
            )
        if at_end or len(state["pending"]) >= self.limits.part_bytes:
            self._upload_part()
        self.log.info("listed images", step="stage-list", lines=state["lines"], parts=len(state.get("parts", [])))
        if at_end:
            self._complete()

    def _check(self, lines: list[str]) -> None:
        """The shared manifest rules on each new line, plus the whole-file limits on lines and labels."""
        validator = ManifestValidator()
        labels = set(self.state.get("labels", []))
        for line in lines:
            result = validator.feed(line)
            if result.errors:
                issue = result.errors[0]
                raise ProviderError(
                    f"The image {result.source_ref or line[:200]} from {described(self.spec.source)} would fail "
                    f"the manifest rules: {issue.code}: {issue.message}"
                )
            labels |= result.labels
        if len(labels) > MAX_LABELS:
            raise ProviderError(
                f"{described(self.spec.source)} has more than {MAX_LABELS} labels (folders), the service's limit."
            )
        if int(self.state.get("lines", 0)) + len(lines) > MAX_LINES:
            raise ProviderError(
                f"{described(self.spec.source)} has more than {MAX_LINES} images, the service's limit per dataset."
            )
        self.state["labels"] = sorted(labels)

    def _upload_part(self) -> None:
        state, key = self.state, str(self.manifest.key)
        if not state.get("upload_id"):
            state["upload_id"] = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
            state["parts"] = []
            self._save()  # the upload is known before any part is sent: abandon() can abort it
        number = len(state["parts"]) + 1
        etag = self.s3.upload_part(
            Bucket=self.bucket, Key=key, UploadId=state["upload_id"], PartNumber=number, Body=state["pending"].encode()
        )["ETag"]
        state["parts"].append({"PartNumber": number, "ETag": etag})
        state["pending"] = ""
        self._save()

    def _complete(self) -> None:
        state = self.state
        try:
            self.s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=str(self.manifest.key),
                UploadId=state["upload_id"],
                MultipartUpload={"Parts": state["parts"]},
            )
        except ClientError as exc:  # completed by a step that crashed before saving its progress
            if error_code(exc) != "NoSuchUpload" or not self._manifest_exists():
                raise
        done = {"phase": DONE, "lines": state["lines"], "labels": state["labels"], "skipped": state["skipped"]}
        state.clear()
        state.update(done)
        self.log.info("staged manifest", step="stage-done", manifest=f"s3://{self.bucket}/{self.manifest.key}")

    def _manifest_exists(self) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=str(self.manifest.key))
        except ClientError as exc:
            if is_transient(exc):
                raise
            return False
        return True

    def abandon(self) -> None:
        """Best effort: abort the unfinished upload and forget the progress, so a retry starts over."""
        try:
            if self.state.get("upload_id"):
                self.s3.abort_multipart_upload(
                    Bucket=self.bucket, Key=str(self.manifest.key), UploadId=self.state["upload_id"]
                )
            self.s3.delete_object(Bucket=self.bucket, Key=self.progress_key)
        except ClientError as exc:  # cleanup must never hide the failure
            self.log.warning("staging cleanup failed", step="stage-cleanup", error=error_code(exc))
