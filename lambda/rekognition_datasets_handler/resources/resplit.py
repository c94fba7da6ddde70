"""A split pair finishes its own split: a TRAIN dataset declared ``Distributed`` and its project's TEST dataset.

A rollback rebuilds either dataset while the unchanged ``DatasetDistribution`` gets no event, so each side, once
it has settled, looks at its partner: a whole TRAIN and an empty TEST are split (DistributeDatasetEntries), and a
whole TRAIN whose TEST still holds a split part is rebuilt from its source without the entries TEST holds. The
distribution finds such a pair already split and is done.

The partner is proven, never assumed: it is in the project's other slot, carries this stack's identity tag and the
same split key (``TAG_SPLIT_KEY``). A distributed TRAIN's key is its ``SourceFingerprint``; its TEST's is its
``ResetOnTrainingFingerprint``, the same value set by one ``DatasetDistribution``: the TEST the declaration pairs
with this generation of TRAIN, not an older one a rollback is about to rebuild.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from rekognition_datasets_handler import failures, service
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.runtime import Outcome
from rekognition_datasets_handler.schema import (
    STAGED_SOURCE_TYPES,
    TAG_ENTRIES_PROGRESS,
    TAG_MERGE_RETRIES,
    TAG_SPLIT,
    TAG_SPLIT_KEY,
    TAG_STACK_ID,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.properties import DatasetSpec, SourceSpec
    from rekognition_datasets_handler.runtime import Runtime

#: ``finish``'s answer when the TRAIN dataset must be rebuilt without its TEST's entries.
REBUILD: Final = "rebuild"


def split_key(spec: DatasetSpec) -> str | None:
    """The split generation ``spec`` belongs to; None for a dataset no distribution pairs."""
    if spec.dataset_type == "TRAIN" and spec.distributed:
        return spec.source_fingerprint
    if spec.dataset_type == "TEST":
        return spec.reset_on_training_fingerprint
    return None


def key_tags(spec: DatasetSpec) -> dict[str, str]:
    """The split key tag a new dataset of ``spec`` carries (none when it is not part of a pair)."""
    key = split_key(spec)
    return {TAG_SPLIT_KEY: key} if key else {}


def line_source(spec: DatasetSpec) -> SourceSpec | None:
    """The JSON Lines object a TRAIN can be filled from line by line (None for a copied or empty source)."""
    if spec.source.type in STAGED_SOURCE_TYPES:
        from rekognition_datasets_handler.staging import manifest_source

        return manifest_source(spec)
    return spec.source if spec.source.type in ("entries", "manifest") else None


def partner(request: Request, spec: DatasetSpec, runtime: Runtime) -> service.Dataset | None:
    """The other dataset of ``spec``'s pair, with its status, stats and tags; None when there is no proven one."""
    key = split_key(spec)
    if key is None:
        return None
    rek = runtime.clients.rekognition
    other = "TEST" if spec.dataset_type == "TRAIN" else "TRAIN"
    slot = service.find_slot(rek, spec.project_arn, spec.project_name, other)
    dataset = service.read_dataset(rek, slot.dataset_arn) if slot.dataset_arn else None
    if dataset is None or dataset.tags.get(TAG_STACK_ID) != request.stack_id or dataset.tags.get(TAG_SPLIT_KEY) != key:
        return None
    return dataset


def excluded(request: Request, spec: DatasetSpec, runtime: Runtime) -> set[str]:
    """The source-refs a distributed TRAIN must leave out: those its settled, non-empty partner TEST holds."""
    test = partner(request, spec, runtime) if spec.dataset_type == "TRAIN" else None
    if test is None or test.status not in service.COMPLETE or not test.stats.get("TotalEntries", 0):
        return set()
    return source_refs(runtime, test.arn)


def source_refs(runtime: Runtime, arn: str) -> set[str]:
    """Every entry's source-ref."""
    refs: set[str] = set()
    for line in entry_lines(runtime, arn):
        entry = json.loads(line)
        if isinstance(entry, dict) and isinstance(entry.get("source-ref"), str):
            refs.add(entry["source-ref"])
    return refs


def entry_lines(runtime: Runtime, arn: str) -> Iterator[str]:
    """Every entry of a dataset, the JSON line ListDatasetEntries gives (all pages)."""
    kwargs: dict[str, str] = {}
    while True:
        page = runtime.clients.rekognition.list_dataset_entries(DatasetArn=arn, **kwargs)  # type: ignore[arg-type]
        yield from page.get("DatasetEntries", [])
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]


def filtered_create(request: Request, spec: DatasetSpec, runtime: Runtime) -> bool:
    """Whether a new TRAIN of ``spec`` is filled line by line without its TEST's entries (its TEST holds a part)."""
    return line_source(spec) is not None and bool(excluded(request, spec, runtime))


def _settled(dataset: service.Dataset) -> bool:
    progress = dataset.tags.get(TAG_ENTRIES_PROGRESS)
    return dataset.status in service.COMPLETE and (progress is None or progress.endswith(":done"))


def finish(
    request: Request, spec: DatasetSpec, dataset: service.Dataset, runtime: Runtime
) -> Outcome | Literal["rebuild"] | None:
    """The last step of a settled, up-to-date ``dataset`` of a pair: None when its split needs nothing more.

    Not complete while the partner settles or the split runs; ``REBUILD`` for a whole TRAIN whose TEST holds a split
    part (the TRAIN's source, proven buildable by the caller, rebuilds it without those entries: nothing is lost).
    """
    key = split_key(spec)
    done = TAG_SPLIT in dataset.tags if spec.dataset_type == "TRAIN" else dataset.stats.get("TotalEntries", 0) > 0
    if key is None or done:
        return None
    other = partner(request, spec, runtime)
    train, test = (dataset, other) if spec.dataset_type == "TRAIN" else (other, dataset)
    if train is None or test is None or TAG_SPLIT in train.tags:
        return None
    log = runtime.log.bind(dataset_arn=dataset.arn, training_arn=train.arn, testing_arn=test.arn)
    waiting = Outcome(complete=False, physical_id=dataset.arn)
    if (
        train.status in service.IN_PROGRESS
        or test.status in service.IN_PROGRESS
        or (train.status in service.COMPLETE and not _settled(train))
    ):
        log.info("waiting for the split's other dataset", step="resplit-wait")
        return waiting
    if train.status not in service.COMPLETE or test.status not in service.COMPLETE:
        return None  # a failed partner: its own resource reports it
    if test.stats.get("TotalEntries", 0):
        if spec.dataset_type != "TRAIN" or request.request_type != "Update" or line_source(spec) is None:
            log.warning("TRAIN holds the entries its TEST holds; cannot rebuild this source", step="resplit-skip")
            return None
        log.info("TEST holds a split part: rebuilding TRAIN without it", step="resplit-rebuild")
        return REBUILD
    if not train.stats.get("TotalEntries", 0):
        return None  # nothing to split: the distribution says so
    from rekognition_datasets_handler.resources.distribution import distribute  # kept out of the cold start

    runtime.clients.rekognition.tag_resource(ResourceArn=train.arn, Tags={TAG_SPLIT: "true", TAG_SPLIT_KEY: key})
    if distribute(runtime.clients.rekognition, train.arn, test.arn):
        log.info("splitting the pair", step="resplit")
    return waiting


#: How many times a failed merge into TRAIN is sent again before the TEST's rebuild fails (TEST kept).
MAX_MERGE_RETRIES: Final = 3
#: What a TRAIN dataset that another request is rebuilding (or has deleted) answers.
_BUSY: Final = {"ResourceInUseException", "ResourceNotReadyException", "ResourceNotFoundException"}


def merge_back(request: Request, spec: DatasetSpec, test_arn: str, runtime: Runtime) -> bool:
    """Whether the TEST dataset ``test_arn`` may be deleted for a rebuild: True unless it holds a split part its
    TRAIN lacks, which then goes back to the TRAIN first (one UpdateDatasetEntries per call: False meanwhile).

    A split TEST holds the only copy of its part (its TRAIN the rest). Deleted for a new source and then rolled
    back, it would come back empty beside a TRAIN that lacks those entries, and no request reaches the unchanged
    TRAIN. Once merged, the TRAIN is whole (its split tag goes, its key stays), so a rollback's empty TEST splits
    the pair again (``finish``). A TRAIN that failed (the merge, or before) fails the request: TEST is kept.
    """
    rek = runtime.clients.rekognition
    test = service.read_dataset(rek, test_arn)
    key = test.tags.get(TAG_SPLIT_KEY) if test is not None else None
    if test is None or not key or not test.stats.get("TotalEntries", 0):
        return True
    slot = service.find_slot(rek, spec.project_arn, spec.project_name, "TRAIN")
    train = service.read_dataset(rek, slot.dataset_arn) if slot.dataset_arn else None
    if (
        train is None
        or train.tags.get(TAG_STACK_ID) != request.stack_id
        or train.tags.get(TAG_SPLIT_KEY) != key
        or TAG_SPLIT not in train.tags
    ):
        return True
    log = runtime.log.bind(dataset_arn=test_arn, training_arn=train.arn)
    if train.status in service.IN_PROGRESS:
        log.info("waiting for the TRAIN dataset to take the split part back", step="merge-wait")
        return False
    try:
        missing = _missing_chunk(runtime, test_arn, train.arn)
        if not missing:
            rek.untag_resource(ResourceArn=train.arn, TagKeys=[TAG_SPLIT, TAG_MERGE_RETRIES])
            log.info("the split part is back in TRAIN: it is whole", step="merge-done")
            return True
        if train.status in service.FAILED:
            retries = train.tags.get(TAG_MERGE_RETRIES, "0")
            tries = int(retries) if retries.isdigit() else MAX_MERGE_RETRIES
            # an UPDATE_FAILED dataset keeps its content: the merge is sent again, a few times
            if train.status != "UPDATE_FAILED" or tries >= MAX_MERGE_RETRIES:
                cause = failures.failure(rek, train, train.status)
                raise ProviderError(
                    "The TEST dataset's split part could not go back to its TRAIN dataset first; TEST is left as it "
                    f"is. {cause}"
                )
            rek.tag_resource(ResourceArn=train.arn, Tags={TAG_MERGE_RETRIES: str(tries + 1)})
        rek.update_dataset_entries(DatasetArn=train.arn, Changes={"GroundTruth": missing})
    except ClientError as exc:
        if is_transient(exc) or error_code(exc) not in _BUSY:
            raise
        log.info("TRAIN is busy or gone: looking again next time", step="merge-wait", reason=error_code(exc))
        return False
    log.info("returning the split part to TRAIN before TEST is rebuilt", step="merge")
    return False


def _missing_chunk(runtime: Runtime, test_arn: str, train_arn: str) -> bytes:
    """Up to ``runtime.chunk_bytes`` of the TEST entries (JSON lines) whose source-ref TRAIN does not hold."""
    held = source_refs(runtime, train_arn)
    chunk = bytearray()
    for line in entry_lines(runtime, test_arn):
        encoded = line.encode() + b"\n"
        if json.loads(line).get("source-ref") not in held and len(chunk) + len(encoded) <= runtime.chunk_bytes:
            chunk += encoded
    return bytes(chunk)
