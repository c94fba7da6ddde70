"""``Custom::RekognitionDataset``: one idempotent step per call toward the declared dataset.

Invariant: the slot (ProjectArn, DatasetType) holds one dataset tagged with this StackId + LogicalResourceId and
the desired fingerprint, in a *_COMPLETE state, with every entries chunk applied. Progress lives in tags, so
``is_complete`` keeps no state and a re-delivered event adopts what an earlier one created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from dataset_provider import service
from dataset_provider.arns import parse_dataset_arn
from dataset_provider.errors import ProviderError
from dataset_provider.events import CREATE_FAILED_MARKER
from dataset_provider.properties import RESERVED_TAG_PREFIX, DatasetSpec, parse_dataset
from dataset_provider.retry import error_code, is_transient
from dataset_provider.runtime import Outcome
from dataset_provider.schema import (
    ATTR_DATASET_ARN,
    ATTR_ERROR_ENTRIES,
    ATTR_LABELED_ENTRIES,
    ATTR_SOURCE_FINGERPRINT,
    ATTR_STATUS,
    ATTR_STATUS_MESSAGE,
    ATTR_TOTAL_ENTRIES,
    ATTR_TOTAL_LABELS,
    TAG_ENTRIES_PROGRESS,
    TAG_FINGERPRINT,
    TAG_LOGICAL_ID,
    TAG_STACK_ID,
)

if TYPE_CHECKING:
    from dataset_provider.events import Request
    from dataset_provider.runtime import Runtime

DONE = "done"
WAITING = Outcome(complete=False)


# ----------------------------------------------------------------------------------------------- entry points
def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: validate, make the decisions that need the old properties, take the first step."""
    if request.request_type == "Delete":
        return runtime.budget.run("Deleting the dataset", lambda: _delete_step(request, runtime, first=True))
    spec = parse_dataset(request.properties)
    try:
        if request.request_type == "Update":
            runtime.budget.run("Preparing the update", lambda: _prepare_update(request, spec, runtime))
        outcome = runtime.budget.run("Reconciling the dataset", lambda: _step(request, spec, runtime))
    except Exception:
        if request.request_type == "Create":
            _discard_ours(request, spec, runtime, wait=True)  # a failed on_event Create gets no Delete
        raise
    return Outcome(complete=outcome.complete, physical_id=outcome.physical_id or request.physical_id, data=outcome.data)


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: one reconcile step, reading all progress back from the service."""
    if request.request_type == "Delete":
        return _delete_step(request, runtime, first=False)
    spec = parse_dataset(request.properties)
    if _still_in_progress(request, spec, runtime):
        return Outcome(complete=False, physical_id=request.physical_id)
    try:
        return _step(request, spec, runtime)
    except ProviderError:
        if request.request_type == "Update" and _old_slot(request) not in (None, spec.slot):
            _discard_ours(request, spec, runtime, wait=False)  # a failed replacement leaves nothing behind
        raise


def _still_in_progress(request: Request, spec: DatasetSpec, runtime: Runtime) -> bool:
    """One DescribeDataset instead of a full reconcile read while the dataset on_event reported is busy.

    Only for a physical id in the declared slot: a dataset in progress there is the one this request started
    (or is deleting to rebuild), and every in-progress branch of ``_step`` would wait as well.
    """
    parsed = parse_dataset_arn(request.physical_id or "")
    if parsed is None or (parsed.project_name, parsed.dataset_type) != (spec.project_name, spec.dataset_type):
        return False
    try:
        status = runtime.clients.rekognition.describe_dataset(DatasetArn=parsed.arn)["DatasetDescription"]["Status"]
    except ClientError as exc:
        if service.is_not_found(exc):
            return False
        raise
    if status not in service.IN_PROGRESS:
        return False
    runtime.log.info("waiting for the dataset", step="wait", dataset_arn=parsed.arn, status=status)
    return True


# ----------------------------------------------------------------------------------------------- create/update
def _is_ours(request: Request, tags: dict[str, str]) -> bool:
    return tags.get(TAG_STACK_ID) == request.stack_id and tags.get(TAG_LOGICAL_ID) == request.logical_id


def _identity_tags(request: Request, spec: DatasetSpec) -> dict[str, str]:
    tags = {TAG_STACK_ID: request.stack_id, TAG_LOGICAL_ID: request.logical_id, TAG_FINGERPRINT: spec.fingerprint}
    if spec.source.type == "entries":
        tags[TAG_ENTRIES_PROGRESS] = f"{spec.fingerprint}:0"
    return tags


def _create(request: Request, spec: DatasetSpec, runtime: Runtime) -> Outcome:
    kwargs: dict[str, Any] = {
        "ProjectArn": spec.project_arn,
        "DatasetType": spec.dataset_type,
        "Tags": {**spec.tags, **_identity_tags(request, spec)},
    }
    source = spec.source
    if source.type == "manifest":
        s3_object = {"Bucket": source.bucket, "Name": source.key}
        if source.version:
            s3_object["Version"] = source.version
        kwargs["DatasetSource"] = {"GroundTruthManifest": {"S3Object": s3_object}}
    elif source.type == "dataset":
        kwargs["DatasetSource"] = {"DatasetArn": source.dataset_arn}
    try:
        arn = runtime.clients.rekognition.create_dataset(**kwargs)["DatasetArn"]
    except ClientError as exc:
        if error_code(exc) in {"ResourceAlreadyExistsException", "ResourceInUseException"}:
            runtime.log.info("slot taken meanwhile; will read it again", step="create-raced")
            return WAITING
        if is_transient(exc):
            raise
        raise ProviderError(f"CreateDataset failed: {error_code(exc)}: {_message(exc)}") from exc
    runtime.log.info("created dataset", step="create", dataset_arn=arn, source_type=source.type)
    return Outcome(complete=False, physical_id=arn)


def _step(request: Request, spec: DatasetSpec, runtime: Runtime) -> Outcome:
    rek = runtime.clients.rekognition
    slot = service.find_slot(rek, spec.project_arn, spec.project_name, spec.dataset_type)
    if not slot.project_exists:
        raise ProviderError(f"Project {spec.project_arn} does not exist.")
    if slot.dataset_arn is None:
        return _create(request, spec, runtime)
    dataset = service.read_dataset(rek, slot.dataset_arn)
    if dataset is None:
        return WAITING
    log = runtime.log.bind(dataset_arn=dataset.arn, status=dataset.status)
    if not _is_ours(request, dataset.tags):
        raise ProviderError(
            f"The {spec.dataset_type} dataset of project {spec.project_name} is {dataset.arn}, which this stack's "
            f"{request.logical_id} did not create; delete it or use another project."
        )
    waiting = Outcome(complete=False, physical_id=dataset.arn)
    if dataset.status == "DELETE_IN_PROGRESS" or (
        dataset.status in service.IN_PROGRESS and dataset.tags.get(TAG_FINGERPRINT) != spec.fingerprint
    ):
        log.info("waiting for the dataset to settle", step="wait")
        return waiting
    if dataset.tags.get(TAG_FINGERPRINT) != spec.fingerprint:
        log.info("source changed: deleting to rebuild", step="rebuild-delete")
        _delete(runtime, dataset.arn)
        return waiting
    if dataset.status in service.IN_PROGRESS:
        log.info("waiting for the dataset", step="wait")
        return waiting
    if dataset.status in service.FAILED:
        log.error("dataset failed", step="failed", status_message=dataset.status_message[:300])
        raise service.failure(rek, dataset, dataset.status)
    if spec.source.type == "entries" and _apply_next_chunk(spec, dataset, runtime):
        return waiting
    errors = dataset.stats.get("ErrorEntries", 0)
    if spec.max_error_entries is not None and errors > spec.max_error_entries:
        log.error("too many entries with errors", step="failed", error_entries=errors)
        raise service.failure(
            rek, dataset, f"has {errors} entries with errors (MaxErrorEntries {spec.max_error_entries})"
        )
    _sync_user_tags(spec, dataset, runtime)
    log.info("dataset is up to date", step="complete")
    return Outcome(complete=True, physical_id=dataset.arn, data=_attributes(spec, dataset))


def _apply_next_chunk(spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime) -> bool:
    """Send the next chunk of entries; False once all are applied (recorded in the progress tag)."""
    progress = dataset.tags.get(TAG_ENTRIES_PROGRESS, "")
    fingerprint, _, position = progress.rpartition(":")
    if fingerprint == spec.fingerprint and position == DONE:
        return False
    offset = int(position) if fingerprint == spec.fingerprint and position.isdigit() else 0
    from dataset_provider import entries  # only entries sources need it: kept out of the cold start

    rek, s3 = runtime.clients.rekognition, runtime.clients.s3
    chunk = entries.read_chunk(s3, spec.source, offset, runtime.chunk_bytes)
    while not chunk.body and not chunk.at_end:
        chunk = entries.read_chunk(s3, spec.source, chunk.next_offset, runtime.chunk_bytes)
    if chunk.body:
        entries.check_chunk(chunk, spec.source, offset)
        try:
            rek.update_dataset_entries(DatasetArn=dataset.arn, Changes={"GroundTruth": chunk.body})
        except ClientError as exc:
            if error_code(exc) == "ResourceInUseException":
                return True
            if is_transient(exc):
                raise
            raise ProviderError(
                f"UpdateDatasetEntries failed at byte {offset}: {error_code(exc)}: {_message(exc)}"
            ) from exc
    position = DONE if chunk.at_end else str(chunk.next_offset)
    rek.tag_resource(ResourceArn=dataset.arn, Tags={TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:{position}"})
    runtime.log.info(
        "applied entries chunk",
        step="entries",
        dataset_arn=dataset.arn,
        offset=offset,
        next_offset=chunk.next_offset,
        lines=chunk.line_count,
        bytes=len(chunk.body),
    )
    return bool(chunk.body)


def _sync_user_tags(spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime) -> None:
    current = {k: v for k, v in dataset.tags.items() if not k.startswith(RESERVED_TAG_PREFIX)}
    stale = sorted(set(current) - set(spec.tags))
    changed = {k: v for k, v in spec.tags.items() if current.get(k) != v}
    rek = runtime.clients.rekognition
    if changed:
        rek.tag_resource(ResourceArn=dataset.arn, Tags=changed)
    if stale:
        rek.untag_resource(ResourceArn=dataset.arn, TagKeys=stale)
    if changed or stale:
        runtime.log.info("updated tags", step="tags", dataset_arn=dataset.arn, tagged=sorted(changed), untagged=stale)


def _attributes(spec: DatasetSpec, dataset: service.Dataset) -> dict[str, str]:
    stats = dataset.stats
    return {
        ATTR_DATASET_ARN: dataset.arn,
        ATTR_STATUS: dataset.status,
        ATTR_STATUS_MESSAGE: dataset.status_message[:256],
        ATTR_TOTAL_ENTRIES: str(stats.get("TotalEntries", 0)),
        ATTR_LABELED_ENTRIES: str(stats.get("LabeledEntries", 0)),
        ATTR_TOTAL_LABELS: str(stats.get("TotalLabels", 0)),
        ATTR_ERROR_ENTRIES: str(stats.get("ErrorEntries", 0)),
        ATTR_SOURCE_FINGERPRINT: spec.fingerprint,
    }


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))[:300]


# ----------------------------------------------------------------------------------------------- update decisions
def _old_spec(request: Request) -> DatasetSpec | None:
    try:
        return parse_dataset(request.old_properties or {})
    except ProviderError:
        return None


def _old_slot(request: Request) -> tuple[str, str] | None:
    old = _old_spec(request)
    return old.slot if old else None


def _prepare_update(request: Request, spec: DatasetSpec, runtime: Runtime) -> None:
    """Choose upsert over rebuild for an entries source that only adds or changes entries: retag it in place.

    Everything else whose fingerprint changed is rebuilt by ``_step`` (delete, then create).
    """
    old = _old_spec(request)
    if old is None or old.slot != spec.slot or old.fingerprint == spec.fingerprint:
        return
    if not _upsert_allowed(old, spec):
        return
    rek = runtime.clients.rekognition
    slot = service.find_slot(rek, spec.project_arn, spec.project_name, spec.dataset_type)
    dataset = service.read_dataset(rek, slot.dataset_arn) if slot.dataset_arn else None
    if dataset is None or not _is_ours(request, dataset.tags) or dataset.status in service.FAILED:
        return
    if dataset.status == "DELETE_IN_PROGRESS" or dataset.tags.get(TAG_FINGERPRINT) != old.fingerprint:
        return
    from dataset_provider import entries  # only entries sources need it: kept out of the cold start

    old_refs = entries.source_refs(runtime.clients.s3, old.source)
    new_refs = entries.source_refs(runtime.clients.s3, spec.source)
    if old_refs is None or new_refs is None or not old_refs <= new_refs:
        runtime.log.info("entries dropped or unreadable: rebuilding", step="decide", dataset_arn=dataset.arn)
        return
    rek.tag_resource(
        ResourceArn=dataset.arn,
        Tags={TAG_FINGERPRINT: spec.fingerprint, TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:0"},
    )
    runtime.log.info("entries changed: upserting in place", step="decide-upsert", dataset_arn=dataset.arn)


def _upsert_allowed(old: DatasetSpec, new: DatasetSpec) -> bool:
    return (
        old.source.type == new.source.type == "entries"
        and not old.distributed
        and not new.distributed
        and old.reset_on_training_fingerprint == new.reset_on_training_fingerprint
    )


# ----------------------------------------------------------------------------------------------- delete
def _delete(runtime: Runtime, arn: str) -> bool:
    """DeleteDataset; True once it is gone or going, False when it is busy (try again later)."""
    try:
        runtime.clients.rekognition.delete_dataset(DatasetArn=arn)
    except ClientError as exc:
        if service.is_not_found(exc):
            return True
        if error_code(exc) == "ResourceInUseException":
            return False
        if is_transient(exc):
            raise
        raise ProviderError(f"DeleteDataset {arn} failed: {error_code(exc)}: {_message(exc)}") from exc
    runtime.log.info("deleting dataset", step="delete", dataset_arn=arn)
    return True


def _delete_target(request: Request, runtime: Runtime) -> str | None:
    """The dataset this Delete is about: its ARN, or (made-up id) ours in the declared slot; None if nothing."""
    physical_id = request.physical_id or ""
    if physical_id == CREATE_FAILED_MARKER:
        return None
    if parse_dataset_arn(physical_id):
        return physical_id
    try:
        spec = parse_dataset(request.properties)
    except ProviderError:
        return None
    slot = service.find_slot(runtime.clients.rekognition, spec.project_arn, spec.project_name, spec.dataset_type)
    return slot.dataset_arn


def _delete_step(request: Request, runtime: Runtime, *, first: bool) -> Outcome:
    done = Outcome(complete=True, physical_id=request.physical_id)
    waiting = Outcome(complete=False, physical_id=request.physical_id)
    arn = _delete_target(request, runtime)
    dataset = service.read_dataset(runtime.clients.rekognition, arn) if arn else None
    if dataset is None:
        if first:
            runtime.log.info("nothing to delete", step="delete-noop", physical_id=request.physical_id)
        return done
    log = runtime.log.bind(dataset_arn=dataset.arn, status=dataset.status)
    if not _is_ours(request, dataset.tags):
        log.warning("dataset not created by this resource: left alone", step="delete-not-ours")
        return done
    if dataset.status in service.IN_PROGRESS:
        log.info("waiting before deleting", step="delete-wait")
        return waiting
    _delete(runtime, dataset.arn)
    return waiting


def _discard_ours(request: Request, spec: DatasetSpec, runtime: Runtime, *, wait: bool) -> None:
    """Best effort: delete the dataset of ours in ``spec``'s slot (after a failed create or replacement)."""

    def attempt() -> bool:
        rek = runtime.clients.rekognition
        slot = service.find_slot(rek, spec.project_arn, spec.project_name, spec.dataset_type)
        dataset = service.read_dataset(rek, slot.dataset_arn) if slot.dataset_arn else None
        if dataset is None or not _is_ours(request, dataset.tags) or dataset.status == "DELETE_IN_PROGRESS":
            return True
        if dataset.status in service.IN_PROGRESS:
            return False
        return _delete(runtime, dataset.arn)

    try:
        deleted = attempt()
        deadline = runtime.budget.clock() + runtime.budget.seconds
        while wait and not deleted and runtime.budget.clock() < deadline:
            runtime.budget.sleep(min(runtime.budget.max_delay, max(0.0, deadline - runtime.budget.clock())))
            deleted = attempt()
    except Exception as exc:  # cleanup must never hide the original failure
        runtime.log.warning("cleanup failed", step="cleanup", error=f"{type(exc).__name__}: {exc}"[:300])
        return
    runtime.log.info("cleaned up after failure", step="cleanup", complete=deleted)
