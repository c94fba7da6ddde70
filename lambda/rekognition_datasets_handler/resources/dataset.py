"""``Custom::RekognitionDataset``: one idempotent step per call toward the declared dataset.

Invariant: the slot (ProjectArn, DatasetType) holds one dataset tagged with this StackId + LogicalResourceId and
the desired fingerprint, in a *_COMPLETE state, with every entries chunk applied. Progress lives in tags, so
``is_complete`` keeps no state and a re-delivered event adopts what an earlier one created.

Reads are spent only where a decision needs them: a dataset in progress needs one DescribeDataset per poll, its
tags are read once it has settled, and what on_event itself proved (it created the dataset, deleted it to rebuild,
or sent its last entries chunk) travels to is_complete as ``STEP_KEY`` instead of being read back.

A staged source (prefix, folder) is first staged into a manifest (``staging``, a bounded step per call, its
progress in S3); only then is any dataset created or deleted, from that manifest as from a manifest source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler import service
from rekognition_datasets_handler.arns import in_slot, parse_dataset_arn
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import DatasetSpec, SourceSpec, parse_dataset
from rekognition_datasets_handler.resources import resplit
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.runtime import Outcome
from rekognition_datasets_handler.schema import (
    ATTR_DATASET_ARN,
    ATTR_ERROR_ENTRIES,
    ATTR_LABELED_ENTRIES,
    ATTR_SOURCE_FINGERPRINT,
    ATTR_STATUS,
    ATTR_STATUS_MESSAGE,
    ATTR_TOTAL_ENTRIES,
    ATTR_TOTAL_LABELS,
    CREATE_FAILED_MARKER,
    RESERVED_TAG_PREFIX,
    STAGED_SOURCE_TYPES,
    TAG_ENTRIES_PROGRESS,
    TAG_FINGERPRINT,
    TAG_SPLIT,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.entries import Chunk
    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Runtime

DONE = "done"
WAITING = Outcome(complete=False)
#: on_event's steps (``STEP_KEY``), each about the dataset the physical id names:
#: created by this request (ours, with these properties' tags); deleted to rebuild (proven ours);
#: given its last entries chunk and the new fingerprint in place (proven ours).
STEP_CREATED, STEP_REBUILDING, STEP_UPSERTED = "created", "rebuilding", "upserted"
#: on_event staged part of a prefix or folder source: the polls finish staging, then take the full step.
STEP_STAGING = "staging"
#: an Update's on_event found the dataset the physical id names in progress and holding its source: an earlier,
#: interrupted request built it, so its failure is that request's, and the polls rebuild it (once) like on_event.
STEP_INHERITED = "inherited"


# ----------------------------------------------------------------------------------------------- entry points
def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: validate, make the decisions that need the old properties, take the first step."""
    if request.request_type == "Delete":
        return runtime.budget.run("Deleting the dataset", lambda: _delete_step(request, runtime, first=True))
    spec = parse_dataset(request.properties)
    staged = spec.source.type not in STAGED_SOURCE_TYPES or runtime.budget.run(
        "Staging the source", lambda: _staged(spec, runtime)
    )
    if not staged:
        return Outcome(complete=False, physical_id=request.physical_id, step=STEP_STAGING)
    try:
        outcome = runtime.budget.run("Reconciling the dataset", lambda: _first_step(request, spec, runtime))
    except Exception:
        if request.request_type == "Create":
            _discard_ours(request, spec, runtime, wait=True)  # a failed on_event Create gets no Delete
        raise
    return Outcome(
        complete=outcome.complete,
        physical_id=outcome.physical_id or request.physical_id,
        data=outcome.data,
        step=outcome.step,
    )


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: one reconcile step, reading back only what on_event's step did not prove."""
    if request.request_type == "Delete":
        return _delete_step(request, runtime, first=False)
    spec = parse_dataset(request.properties)
    # Every poll of a staged source checks its staging (one GetObject once staged): crhelper's polls carry no step.
    if spec.source.type in STAGED_SOURCE_TYPES and not _staged(spec, runtime):
        return Outcome(complete=False, physical_id=request.physical_id)
    if request.step == STEP_STAGING:
        request = request._replace(step=None)  # nothing was done to a dataset yet: read it
    try:
        return _poll_step(request, spec, runtime)
    except ProviderError:
        if request.request_type == "Update" and _old_slot(request) not in (None, spec.slot):
            _discard_ours(request, spec, runtime, wait=False)  # a failed replacement leaves nothing behind
        raise


def _staged(spec: DatasetSpec, runtime: Runtime) -> bool:
    """One bounded staging step of a prefix or folder source; True once its manifest is staged (nothing done to
    any dataset before: a source that cannot be staged fails with the dataset untouched)."""
    from rekognition_datasets_handler import staging  # only staged sources need it: kept out of the cold start

    return staging.advance(spec, runtime) is not None


def _first_step(request: Request, spec: DatasetSpec, runtime: Runtime) -> Outcome:
    """on_event's step. A Create (or a move to another slot) tries CreateDataset at once: an occupied slot
    refuses it, and only then is the slot read. A changed source in the same slot replaces the content of the
    dataset the physical id names. Anything else takes the full step.
    """
    old = _old_spec(request) if request.request_type == "Update" else None
    if old is not None and old.slot == spec.slot:
        arn = _physical_arn(request, spec)
        if arn and old.fingerprint != spec.fingerprint:
            outcome = _replace_content(request, spec, old, arn, runtime)
            if outcome is not None:
                return outcome
        return _step(request, spec, runtime, first=True)
    # A Create, or an Update into another slot (a replacement): an occupied slot makes CreateDataset refuse.
    created = _create(request, spec, runtime)
    return created if created.physical_id else _step(request, spec, runtime, first=True)


def _physical_arn(request: Request, spec: DatasetSpec) -> str | None:
    """The physical id when it is a dataset ARN in the declared slot."""
    arn = request.physical_id or ""
    return arn if in_slot(arn, spec.project_arn, spec.dataset_type) else None


def _poll_step(request: Request, spec: DatasetSpec, runtime: Runtime) -> Outcome:
    arn = _physical_arn(request, spec)
    if arn is None:
        return _step(request, spec, runtime)
    if request.step == STEP_REBUILDING:
        return _step(request, spec, runtime, deleted=arn)
    rek = runtime.clients.rekognition
    dataset = service.describe(rek, arn, {})
    if dataset is None:
        return _step(request, spec, runtime)  # gone: read the slot
    if dataset.status in service.IN_PROGRESS:
        # The dataset on_event reported is busy: every in-progress branch of the full step would wait as well.
        runtime.log.info("waiting for the dataset", step="wait", dataset_arn=arn, status=dataset.status)
        return Outcome(complete=False, physical_id=arn)
    proven = _proven_state(request, spec, dataset, runtime)
    read = proven or service.with_tags(rek, dataset)
    return _settled(request, spec, read, runtime) if read else _step(request, spec, runtime)


def _proven_state(
    request: Request, spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime
) -> service.Dataset | None:
    """The settled ``dataset`` with the tags on_event's step proves it carries; None when they must be read.

    ``created``: made by this request with these tags (empty, for an entries source), so CREATE_COMPLETE means
    no chunk is applied yet, and a later settled state means a single-chunk source is applied. ``upserted``:
    on_event sent the last chunk and recorded it.
    """
    if request.step not in (STEP_CREATED, STEP_UPSERTED):
        return None
    tags = {**spec.tags, **_identity_tags(request, spec)}
    if spec.source.type != "entries" or (request.step == STEP_CREATED and dataset.status == "CREATE_COMPLETE"):
        return dataset._replace(tags=tags)
    if request.step == STEP_CREATED:
        from rekognition_datasets_handler import entries  # only entries sources need it: kept out of the cold start

        if not entries.fits_one_chunk(runtime.clients.s3, spec.source, runtime.chunk_bytes):
            return None
    return dataset._replace(tags={**tags, TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:{DONE}"})


# ----------------------------------------------------------------------------------------------- create/update
def _check_ours(request: Request, spec: DatasetSpec, arn: str, tags: dict[str, str]) -> None:
    if not request.owns(tags):
        raise ProviderError(
            f"The {spec.dataset_type} dataset of project {spec.project_name} is {arn}, which this stack's "
            f"{request.logical_id} did not create; delete it or use another project."
        )


def _identity_tags(request: Request, spec: DatasetSpec) -> dict[str, str]:
    tags = {**request.identity_tags(), TAG_FINGERPRINT: spec.fingerprint, **resplit.key_tags(spec)}
    if spec.source.type == "entries":
        tags[TAG_ENTRIES_PROGRESS] = f"{spec.fingerprint}:0"
    return tags


def _create(request: Request, spec: DatasetSpec, runtime: Runtime) -> Outcome:
    """CreateDataset in the declared slot; not complete, with no physical id when the slot is taken.

    An Update's distributed TRAIN whose TEST holds a split part is created empty and filled line by line without
    those entries (``resplit``): split already, its progress in the entries-progress tag. (A Create has no split
    part to meet: the TEST it pairs with is declared with it.)
    """
    kwargs: dict[str, Any] = {
        "ProjectArn": spec.project_arn,
        "DatasetType": spec.dataset_type,
        "Tags": {**spec.tags, **_identity_tags(request, spec)},
    }
    source = spec.source
    if spec.distributed and request.request_type == "Update" and resplit.filtered_create(request, spec, runtime):
        kwargs["Tags"].update({TAG_SPLIT: "true", TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:0"})
        source = SourceSpec()  # created empty
    elif source.type in STAGED_SOURCE_TYPES:
        from rekognition_datasets_handler.staging import manifest_source

        source = manifest_source(spec)
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
            runtime.log.info("slot taken; will read it", step="create-raced")
            return WAITING
        if service.is_not_found(exc) and source.type != "dataset":
            raise ProviderError(f"Project {spec.project_arn} does not exist.") from exc
        if is_transient(exc):
            raise
        # The service's InvalidS3ObjectException names no object [infer: as documented]; say which one it was.
        from rekognition_datasets_handler.proof import named  # a failure path: kept out of the cold start

        where = f" (manifest {named(source)})" if source.type == "manifest" else ""
        raise ProviderError(f"CreateDataset failed: {error_code(exc)}: {_message(exc)}{where}") from exc
    runtime.log.info("created dataset", step="create", dataset_arn=arn, source_type=source.type)
    filled = TAG_SPLIT in kwargs["Tags"]  # its tags differ from what STEP_CREATED proves: read them back
    return Outcome(complete=False, physical_id=arn, step=None if filled else STEP_CREATED)


def _step(
    request: Request, spec: DatasetSpec, runtime: Runtime, *, deleted: str | None = None, first: bool = False
) -> Outcome:
    """The full step: read the slot, then the dataset in it and its tags.

    ``deleted``: the ARN on_event deleted to rebuild (``STEP_REBUILDING``). While that dataset is going, or the
    new one a poll created is in progress, the slot's status is all a poll needs: one DescribeProjects. Only a
    settled dataset's status, stats and tags are read (the tags prove it is the one this request created).
    ``first``: on_event's step (a failed dataset it finds was left by an earlier request; see ``_settled``).
    """
    rek = runtime.clients.rekognition
    slot = service.find_slot(rek, spec.project_arn, spec.project_name, spec.dataset_type)
    if not slot.project_exists:
        raise ProviderError(f"Project {spec.project_arn} does not exist.")
    if slot.dataset_arn is None:
        return _create(request, spec, runtime)
    underway = slot.dataset_arn != deleted or slot.status == "DELETE_IN_PROGRESS"  # the old one going, or a new one
    if deleted is not None and underway and slot.status in service.IN_PROGRESS:
        runtime.log.info("waiting for the slot", step="wait", dataset_arn=slot.dataset_arn, status=slot.status)
        return WAITING
    dataset = service.read_dataset(rek, slot.dataset_arn)
    return _settled(request, spec, dataset, runtime, first=first) if dataset else WAITING


def _settled(
    request: Request, spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime, *, first: bool = False
) -> Outcome:
    """Decide on a dataset in the declared slot whose status and tags are known.

    A failed dataset fails a poll (this request built it), and a Create (a re-delivered one finds what its first
    delivery built). An Update's on_event (``first``) finding one rebuilds it: it was left by an earlier request,
    e.g. the update a rollback undoes, whose tags may already name this source (or by this Update's first
    delivery: the rebuild retries its import). So do the polls of the dataset on_event found still in progress
    (``STEP_INHERITED``): a runner killed during an update leaves its import running for the rollback to meet.
    """
    rek = runtime.clients.rekognition
    log = runtime.log.bind(dataset_arn=dataset.arn, status=dataset.status)
    _check_ours(request, spec, dataset.arn, dataset.tags)
    waiting = Outcome(complete=False, physical_id=dataset.arn)
    if dataset.status == "DELETE_IN_PROGRESS" or (
        dataset.status in service.IN_PROGRESS and not _holds(spec, dataset.tags)
    ):
        log.info("waiting for the dataset to settle", step="wait")
        return waiting
    if not _holds(spec, dataset.tags):
        return _prove_and_delete(request, spec, dataset.arn, runtime) or waiting
    inherited = first or (request.step == STEP_INHERITED and request.physical_id == dataset.arn)
    if dataset.status in service.IN_PROGRESS:
        log.info("waiting for the dataset", step="wait")
        if first and request.request_type == "Update":
            return waiting._replace(step=STEP_INHERITED)
        return waiting
    if dataset.status in service.FAILED and inherited and request.request_type == "Update":
        log.info("dataset left failed by an earlier request: rebuilding", step="decide")
        return _prove_and_delete(request, spec, dataset.arn, runtime) or waiting
    if dataset.status in service.FAILED:
        log.error("dataset failed", step="failed", status_message=dataset.status_message[:300])
        raise _failure(rek, dataset, dataset.status)
    filled = spec.source.type == "entries" or TAG_ENTRIES_PROGRESS in dataset.tags
    if filled and _apply_next_chunk(request, spec, dataset, runtime):
        return waiting
    errors = dataset.stats.get("ErrorEntries", 0)
    if spec.max_error_entries is not None and errors > spec.max_error_entries:
        log.error("too many entries with errors", step="failed", error_entries=errors)
        raise _failure(rek, dataset, f"has {errors} entries with errors (MaxErrorEntries {spec.max_error_entries})")
    split = resplit.finish(request, spec, dataset, runtime)
    if split == resplit.REBUILD:
        return _prove_and_delete(request, spec, dataset.arn, runtime) or waiting
    if split is not None:
        return split
    _sync_user_tags(spec, dataset, runtime)
    log.info("dataset is up to date", step="complete")
    return Outcome(complete=True, physical_id=dataset.arn, data=_attributes(spec, dataset))


def _apply_next_chunk(request: Request, spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime) -> bool:
    """Send the next chunk of entries; False once all are applied (recorded in the progress tag).

    A split TRAIN filled line by line (``resplit``) leaves out the entries its TEST holds.
    """
    progress = dataset.tags.get(TAG_ENTRIES_PROGRESS, "")
    fingerprint, _, position = progress.rpartition(":")
    if fingerprint == spec.fingerprint and position == DONE:
        return False
    offset = int(position) if fingerprint == spec.fingerprint and position.isdigit() else 0
    source = resplit.line_source(spec) if TAG_SPLIT in dataset.tags else spec.source
    if source is None:
        return False
    exclude = resplit.excluded(request, spec, runtime) if TAG_SPLIT in dataset.tags else set()
    chunk = _send_chunk(spec, dataset.arn, offset, runtime, {}, source=source, exclude=exclude)
    return chunk is None or bool(chunk.body) or not chunk.at_end


def _send_chunk(
    spec: DatasetSpec,
    arn: str,
    offset: int,
    runtime: Runtime,
    tags: dict[str, str],
    *,
    source: SourceSpec | None = None,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> Chunk | None:
    """Send the entries chunk at ``offset`` of ``source`` (the spec's) and record the progress (and ``tags``) in
    one TagResource; lines whose source-ref is in ``exclude`` are left out.

    The chunk sent (an empty body when nothing was left), or None when the dataset was busy or gone (nothing
    recorded: the next step reads it again).
    """
    from rekognition_datasets_handler import entries  # only entries sources need it: kept out of the cold start

    rek, s3 = runtime.clients.rekognition, runtime.clients.s3
    source = source or spec.source
    chunk = entries.read_chunk(s3, source, offset, runtime.chunk_bytes)
    while not chunk.body and not chunk.at_end:
        chunk = entries.read_chunk(s3, source, chunk.next_offset, runtime.chunk_bytes)
    if exclude:
        chunk = entries.without(chunk, exclude)
    if chunk.body:
        entries.check_chunk(chunk, source, offset)
        try:
            rek.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": chunk.body})
        except ClientError as exc:
            if error_code(exc) == "ResourceInUseException" or service.is_not_found(exc):
                return None
            if is_transient(exc):
                raise
            raise ProviderError(
                f"UpdateDatasetEntries failed at byte {offset}: {error_code(exc)}: {_message(exc)}"
            ) from exc
    position = DONE if chunk.at_end else str(chunk.next_offset)
    rek.tag_resource(ResourceArn=arn, Tags={**tags, TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:{position}"})
    runtime.log.info(
        "applied entries chunk",
        step="entries",
        dataset_arn=arn,
        offset=offset,
        next_offset=chunk.next_offset,
        lines=chunk.line_count,
        bytes=len(chunk.body),
    )
    return chunk


def _user_tag_changes(spec: DatasetSpec, tags: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(tags to set, keys to remove) to bring the user tags in ``tags`` to the declared ones."""
    current = {k: v for k, v in tags.items() if not k.startswith(RESERVED_TAG_PREFIX)}
    return {k: v for k, v in spec.tags.items() if current.get(k) != v}, sorted(set(current) - set(spec.tags))


def _sync_user_tags(spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime) -> None:
    tagged, stale = _user_tag_changes(spec, dataset.tags)
    rek = runtime.clients.rekognition
    if tagged:
        rek.tag_resource(ResourceArn=dataset.arn, Tags=tagged)
    if stale:
        rek.untag_resource(ResourceArn=dataset.arn, TagKeys=stale)
    if tagged or stale:
        runtime.log.info("updated tags", step="tags", dataset_arn=dataset.arn, tagged=sorted(tagged), untagged=stale)


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


def _failure(rek: RekognitionClient, dataset: service.Dataset, what: str) -> ProviderError:
    from rekognition_datasets_handler import failures  # only a failure needs it: kept out of the cold start

    return failures.failure(rek, dataset, what)


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))[:300]


# ----------------------------------------------------------------------------------------------- update decisions
def _parsed(props: Mapping[str, Any]) -> DatasetSpec | None:
    """Dataset properties that CloudFormation carried over (old ones, or a Delete's); None when they do not parse."""
    try:
        return parse_dataset(props)
    except ProviderError:
        return None


def _old_spec(request: Request) -> DatasetSpec | None:
    return _parsed(request.old_properties or {})


def _old_slot(request: Request) -> tuple[str, str] | None:
    old = _old_spec(request)
    return old.slot if old else None


def _replace_content(
    request: Request, spec: DatasetSpec, old: DatasetSpec, arn: str, runtime: Runtime
) -> Outcome | None:
    """A changed source for the dataset ``arn``, which held ``old``'s content: upsert an entries source that
    only adds or changes entries, otherwise rebuild. None leaves a busy, vanished or already converged dataset
    to the full step. The physical id alone proves the dataset ours for an upsert (see ``_delete_target``).

    A rebuild reads the tags first: a dataset whose fingerprint already is the new one was never touched by
    the update that failed before this one (CloudFormation's rollback sends the old properties as the new), so
    it is left as it is rather than rebuilt from a source that may be gone.
    """
    if _upsert_allowed(old, spec):
        from rekognition_datasets_handler import entries  # only entries sources need it: kept out of the cold start

        old_refs = entries.source_refs(runtime.clients.s3, old.source)
        new_refs = entries.source_refs(runtime.clients.s3, spec.source)
        if old_refs is not None and new_refs is not None and old_refs <= new_refs:
            return _upsert(spec, old, arn, runtime)
        runtime.log.info("entries dropped or unreadable: rebuilding", step="decide", dataset_arn=arn)
    tags = service.read_tags(runtime.clients.rekognition, arn)
    if tags is None or _holds(spec, tags):
        return None
    _check_ours(request, spec, arn, tags)
    return _prove_and_delete(request, spec, arn, runtime)


def _holds(spec: DatasetSpec, tags: Mapping[str, str]) -> bool:
    """Whether a dataset with ``tags`` holds (or is being built with) ``spec``'s content: its source, and all of
    it unless a distribution splits it (a split dataset whose split was removed is rebuilt whole).
    """
    return tags.get(TAG_FINGERPRINT) == spec.fingerprint and (spec.distributed or TAG_SPLIT not in tags)


def _prove_and_delete(request: Request, spec: DatasetSpec, arn: str, runtime: Runtime) -> Outcome | None:
    """Delete ``arn`` to rebuild it from ``spec``'s source once that source is proven buildable (else a short
    error, the dataset untouched) and, for a TEST holding a split part, once that part is back in its TRAIN
    (``resplit.merge_back``). Not complete while either is under way; None when ``arn`` is busy.
    """
    from rekognition_datasets_handler import proof  # only a rebuild needs it: kept out of the cold start

    if not proof.buildable(spec, runtime.clients, runtime.chunk_bytes):
        runtime.log.info("waiting for the source dataset to settle", step="wait", dataset_arn=arn)
        return Outcome(complete=False, physical_id=arn)
    if spec.dataset_type == "TEST" and not resplit.merge_back(request, spec, arn, runtime):
        return Outcome(complete=False, physical_id=arn)
    if not _delete(runtime, arn):
        return None
    runtime.log.info("source changed: deleting to rebuild", step="rebuild-delete", dataset_arn=arn)
    return Outcome(complete=False, physical_id=arn, step=STEP_REBUILDING)


def _upsert(spec: DatasetSpec, old: DatasetSpec, arn: str, runtime: Runtime) -> Outcome | None:
    """Send the new entries over the old ones in place; the fingerprint and user tags go with the progress.

    Safe whatever an interrupted earlier operation left: every entry of ``old`` is also sent, so the dataset
    ends up holding exactly the new source.
    """
    runtime.log.info("entries changed: upserting in place", step="decide-upsert", dataset_arn=arn)
    rek = runtime.clients.rekognition
    tagged, stale = _user_tag_changes(spec, dict(old.tags))
    new_tags = {**tagged, TAG_FINGERPRINT: spec.fingerprint}
    try:
        chunk = _send_chunk(spec, arn, 0, runtime, new_tags)
        if chunk is None:  # busy: record the new source and let the polls send it
            rek.tag_resource(ResourceArn=arn, Tags={**new_tags, TAG_ENTRIES_PROGRESS: f"{spec.fingerprint}:0"})
        if stale:
            rek.untag_resource(ResourceArn=arn, TagKeys=stale)
    except ClientError as exc:
        if service.is_not_found(exc):
            return None
        raise
    last = chunk is not None and chunk.at_end
    return Outcome(complete=False, physical_id=arn, step=STEP_UPSERTED if last else None)


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


def _delete_step(request: Request, runtime: Runtime, *, first: bool) -> Outcome:
    """Delete the dataset this resource made; complete once it is gone."""
    waiting = Outcome(complete=False, physical_id=request.physical_id)
    target = _delete_target(request, runtime, first=first)
    if target is None:
        if first:
            runtime.log.info("nothing to delete", step="delete-noop", physical_id=request.physical_id)
        return Outcome(complete=True, physical_id=request.physical_id)
    arn, status = target
    if status in service.IN_PROGRESS:
        runtime.log.info("waiting for the dataset", step="delete-wait", dataset_arn=arn, status=status)
    elif not _delete(runtime, arn):
        runtime.log.info("busy: deleting once it settles", step="delete-wait", dataset_arn=arn)
    return waiting


def _delete_target(request: Request, runtime: Runtime, *, first: bool) -> tuple[str, str] | None:
    """The dataset to delete and its status ("" when not read); None when there is none of ours.

    A physical id that is a dataset ARN in the slot the Delete's properties declare proves the dataset ours without
    a read: CloudFormation passes back only ids this provider returned, it returns an ARN only for a dataset it
    created or proved its own from the identity tags, and a dataset ARN ends in its creation time, so it is never
    reused. on_event does not even read the status (DeleteDataset says whether it is busy or gone). Any other ARN
    (another project or type) and a made-up id (a Create cancelled before on_event answered, resolved through the
    declared slot) must carry this resource's identity tags. A Delete of what is not ours succeeds without
    deleting [infer: CloudFormation's reading of a resource that is not there to delete].
    """
    physical_id = request.physical_id or ""
    rek = runtime.clients.rekognition
    if physical_id == CREATE_FAILED_MARKER:
        return None
    if parse_dataset_arn(physical_id):
        spec = _parsed(request.properties)
        declared = spec is not None and in_slot(physical_id, spec.project_arn, spec.dataset_type)
        if not declared and not _tagged_ours(request, runtime, physical_id):
            return None
        if first:
            return physical_id, ""
        dataset = service.describe(rek, physical_id, {})
        return (physical_id, dataset.status) if dataset else None
    slot = _slot_of(request, runtime)
    if slot is None or slot.dataset_arn is None:
        return None
    if slot.status not in service.IN_PROGRESS and not _tagged_ours(request, runtime, slot.dataset_arn):
        return None
    return slot.dataset_arn, slot.status


def _tagged_ours(request: Request, runtime: Runtime, arn: str) -> bool:
    """Whether ``arn`` exists and carries this resource's identity tags (logged when it does not)."""
    tags = service.read_tags(runtime.clients.rekognition, arn)
    if tags is None:
        return False
    if not request.owns(tags):
        runtime.log.warning("dataset not created by this resource: left alone", step="delete-not-ours", dataset_arn=arn)
        return False
    return True


def _slot_of(request: Request, runtime: Runtime) -> service.Slot | None:
    """The declared slot of a Delete's properties; None when they do not parse."""
    spec = _parsed(request.properties)
    if spec is None:
        return None
    return service.find_slot(runtime.clients.rekognition, spec.project_arn, spec.project_name, spec.dataset_type)


def _discard_ours(request: Request, spec: DatasetSpec, runtime: Runtime, *, wait: bool) -> None:
    """Best effort: delete the dataset of ours in ``spec``'s slot (after a failed create or replacement)."""

    def attempt() -> bool:
        rek = runtime.clients.rekognition
        slot = service.find_slot(rek, spec.project_arn, spec.project_name, spec.dataset_type)
        dataset = service.read_dataset(rek, slot.dataset_arn) if slot.dataset_arn else None
        if dataset is None or not request.owns(dataset.tags) or dataset.status == "DELETE_IN_PROGRESS":
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
