"""``RekognitionBackend``: the state of the emulated service and one method per dataset operation.

Every public method takes the lock, advances all timed transitions, checks existence and state first (as moto's
osis backend does), then mutates. Refusals marked [infer] follow the reference's reading of the declared errors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rekognition_datasets_handler.manifest import FILE_ERRORS, LineResult
from rekognition_datasets_local.emulator import content, distribution
from rekognition_datasets_local.emulator.exceptions import (
    InvalidParameterException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
)
from rekognition_datasets_local.emulator.model_backend import ModelBackend, ObjectWriter
from rekognition_datasets_local.emulator.models import (
    CLIENT_ERROR,
    COMPLETE_STATES,
    CONTENT_MODERATION,
    CREATE_COMPLETE,
    CREATE_FAILED,
    CREATE_IN_PROGRESS,
    CREATED,
    CUSTOM_LABELS,
    DELETE_IN_PROGRESS,
    DELETING,
    GONE,
    IN_PROGRESS_STATES,
    SERVICE_ERROR,
    SUCCESS,
    UPDATE_COMPLETE,
    UPDATE_FAILED,
    UPDATE_IN_PROGRESS,
    Dataset,
    Entries,
    Outcome,
    Project,
    Transition,
)

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.clock import Clock
    from rekognition_datasets_local.emulator.config import EmulatorConfig
    from rekognition_datasets_local.emulator.faults import Faults

#: Reads ``(bucket, key, version)`` from S3; raises ``InvalidS3ObjectException`` when it cannot, and
#: ``content.ManifestTooLarge`` rather than download an object over the manifest size limit.
ObjectReader = Callable[[str, str, str | None], bytes]

CREATED_FROM_MANIFEST = "The dataset was successfully created from the manifest file."
# [infer] no success message is documented for these; worded like the documented one.
CREATED_EMPTY = "The dataset was successfully created."
CREATED_FROM_DATASET = "The dataset was successfully created from the source dataset."
UPDATED = "The dataset was successfully updated."


T = TypeVar("T")
#: Cached derivations (stats, filtered listings) kept before the cache starts over.
_MAX_DERIVED = 256


class RekognitionBackend:
    """Projects and datasets keyed by ARN."""

    def __init__(
        self,
        config: EmulatorConfig,
        clock: Clock,
        faults: Faults,
        read_object: ObjectReader,
        write_object: ObjectWriter,
    ) -> None:
        self.config = config
        self.clock = clock
        self.faults = faults
        self.read_object = read_object
        self.projects: dict[str, Project] = {}
        self.datasets: dict[str, Dataset] = {}
        self._lock = threading.RLock()
        self._last_ms = 0
        self._derived: dict[tuple[str, Hashable], tuple[Entries, Any]] = {}
        #: The model (ProjectVersion) operations, over these projects and datasets.
        self.models = ModelBackend(self, write_object)

    def reset(self) -> None:
        with self._lock:
            self.projects.clear()
            self.datasets.clear()
            self._derived.clear()
            self.models.reset()
            self._last_ms = 0  # the clock is reset too: ARNs and CreationTimestamps follow it again

    # -- projects ------------------------------------------------------------------------------------------

    def create_project(self, name: str, feature: str | None, auto_update: str | None, tags: dict[str, str]) -> str:
        with self.state() as now:
            # [infer] ResourceInUseException is the only "exists"-type error CreateProject declares.
            if any(p.name == name for p in self.projects.values()):
                raise ResourceInUseException(f"A project named {name} already exists.")
            feature = feature or CUSTOM_LABELS
            # [infer] AutoUpdate is "required for Content Moderation, applicable only to adapters".
            if feature == CONTENT_MODERATION and auto_update is None:
                raise InvalidParameterException("AutoUpdate is required when Feature is CONTENT_MODERATION.")
            if feature == CUSTOM_LABELS and auto_update is not None:
                raise InvalidParameterException("AutoUpdate applies only to CONTENT_MODERATION projects.")
            ms = self.unique_ms(now)
            arn = f"arn:aws:rekognition:{self.config.region}:{self.config.account_id}:project/{name}/{ms}"
            project = Project(name, arn, ms / 1000, feature, auto_update, dict(tags))
            project.pending = Transition(now + self.delay(self.config.project_create_delay), Outcome(CREATED))
            self.projects[arn] = project
            return arn

    def describe_projects(self, names: list[str] | None, features: list[str] | None) -> list[dict[str, Any]]:
        with self.state():
            wanted = set(features or [CUSTOM_LABELS])
            chosen = [
                p
                for p in sorted(self.projects.values(), key=lambda p: p.created)
                if p.feature in wanted and (names is None or p.name in names)
            ]
            return [p.to_dict([self.datasets[arn] for arn in p.datasets.values()]) for p in chosen]

    def delete_project(self, arn: str) -> str:
        with self.state() as now:
            project = self.project(arn)
            if project.status == DELETING:
                return DELETING
            versions = self.models.of_project(arn)
            if versions:
                # [doc: DeleteProject] the project's models must be deleted first.
                names = ", ".join(sorted(v.name for v in versions))
                raise ResourceInUseException(
                    f"The project {arn} still has model versions ({names}); delete them before deleting the project."
                )
            if project.datasets and self.config.delete_project_requires_no_datasets:
                raise ResourceInUseException(
                    f"The project {arn} still has datasets; delete them before deleting the project."
                )
            ready_at = now + self.delay(self.config.project_delete_delay)
            for dataset_arn in project.datasets.values():
                self.datasets[dataset_arn].start(DELETE_IN_PROGRESS, ready_at, Outcome(GONE), now)
            project.status = DELETING
            project.pending = Transition(ready_at, Outcome(GONE))
            return DELETING

    # -- datasets ------------------------------------------------------------------------------------------

    def create_dataset(
        self, project_arn: str, dataset_type: str, source: dict[str, Any] | None, tags: dict[str, str]
    ) -> str:
        with self.state() as now:
            project = self.project(project_arn)
            # [infer] a CREATING project already accepts datasets (CreateProject completes almost at once).
            if project.status == DELETING:
                raise InvalidParameterException(f"The project {project_arn} is being deleted.")  # [infer]
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException("Datasets belong to CUSTOM_LABELS projects only.")  # [infer]
            if dataset_type in project.datasets:
                # [infer] one dataset of each type per project; the only "exists" error CreateDataset declares.
                raise ResourceAlreadyExistsException(
                    f"A {dataset_type} dataset already exists for project {project_arn}; delete it first."
                )
            entries, message = self._initial_content(source or {})
            ms = self.unique_ms(now)
            arn = f"{project_arn.rsplit('/', 1)[0]}/dataset/{dataset_type.lower()}/{ms}"
            dataset = Dataset(arn, project_arn, dataset_type, ms / 1000, dict(tags), last_updated=now)
            outcome = self._outcome(CREATE_COMPLETE, CREATE_FAILED, message, entries, arn, project_arn, "CreateDataset")
            dataset.start(CREATE_IN_PROGRESS, now + self.delay(self.config.dataset_create_delay), outcome, now)
            self.datasets[arn] = dataset
            project.datasets[dataset_type] = arn
            return arn

    def describe_dataset(self, arn: str) -> dict[str, Any]:
        with self.state():
            dataset = self.dataset(arn)
            return dataset.description(self._derive(dataset, "stats", lambda: content.stats(dataset.entries)))

    def update_dataset_entries(self, arn: str, ground_truth: bytes) -> None:
        with self.state() as now:
            dataset = self.dataset(arn)
            self._refuse_in_progress(dataset, "updated")
            if dataset.status == CREATE_FAILED:
                raise InvalidParameterException(  # [infer] a failed create holds nothing to update
                    f"The dataset {arn} failed to create; delete it and create it again."
                )
            changes = content.parse(ground_truth)
            merged = content.merge(dataset.entries, changes.entries)
            if len(merged.entries) > content.MAX_DATASET_ENTRIES:
                # [infer] the declared LimitExceededException is the images-per-dataset quota.
                raise LimitExceededException(
                    f"The dataset would hold {len(merged.entries)} entries; at most {content.MAX_DATASET_ENTRIES}."
                )
            result = changes.file_error or merged.file_error or merged.entries
            outcome = self._outcome(
                UPDATE_COMPLETE, UPDATE_FAILED, UPDATED, result, arn, dataset.project_arn, "UpdateDatasetEntries"
            )
            dataset.start(UPDATE_IN_PROGRESS, now + self.delay(self.config.dataset_update_delay), outcome, now)

    def delete_dataset(self, arn: str) -> None:
        with self.state() as now:
            dataset = self.dataset(arn)
            if dataset.status == DELETE_IN_PROGRESS:
                return
            self._refuse_in_progress(dataset, "deleted")
            dataset.start(DELETE_IN_PROGRESS, now + self.delay(self.config.dataset_delete_delay), Outcome(GONE), now)

    def delete_dataset_out_of_band(self, arn: str) -> None:
        """Remove a dataset at once, whatever its state (a fault: someone deleted it behind our back)."""
        with self.state():
            dataset = self.dataset(arn)
            self._forget(dataset)

    def distribute_dataset_entries(self, arns: list[str]) -> None:
        with self.state() as now:
            datasets = [self.dataset(arn) for arn in arns]
            by_type = {d.dataset_type: d for d in datasets}
            if set(by_type) != {"TRAIN", "TEST"}:
                raise InvalidParameterException("Datasets must hold one TRAIN and one TEST dataset.")  # [infer]
            train, test = by_type["TRAIN"], by_type["TEST"]
            if train.project_arn != test.project_arn:
                raise InvalidParameterException("The datasets must belong to the same project.")  # [infer]
            for dataset in datasets:
                if dataset.status not in COMPLETE_STATES:
                    raise ResourceNotReadyException(f"The dataset {dataset.arn} is {dataset.status}, not complete.")
            if test.entries:
                raise InvalidParameterException(f"The test dataset {test.arn} must be empty.")  # [infer]
            if not train.entries:
                raise InvalidParameterException(f"The training dataset {train.arn} has no entries.")  # [infer]
            ready_at = now + self.delay(self.config.distribute_delay)
            for dataset, outcome in zip((train, test), self._distribution_outcomes(train, test), strict=True):
                dataset.start(UPDATE_IN_PROGRESS, ready_at, outcome, now)

    def list_entries(self, arn: str, wanted: content.EntryFilter) -> list[LineResult]:
        """The entries ListDatasetEntries pages through (refused while the dataset is not readable)."""
        with self.state():
            dataset = self._readable(arn)
            return self._derive(dataset, wanted, lambda: [e for e in dataset.entries.values() if wanted.matches(e)])

    def list_labels(self, arn: str) -> list[tuple[str, int, int]]:
        """``(label, EntryCount, BoundingBoxCount)`` that ListDatasetLabels pages through."""
        with self.state():
            dataset = self._readable(arn)
            return self._derive(dataset, "labels", lambda: content.label_stats(dataset.entries))

    # -- tags ----------------------------------------------------------------------------------------------

    def tags_of(self, arn: str) -> dict[str, str]:
        with self.state():
            return self._taggable(arn)

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        with self.state():
            self._taggable(arn).update(tags)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self.state():
            tags = self._taggable(arn)
            for key in keys:
                tags.pop(key, None)

    # -- helpers -------------------------------------------------------------------------------------------

    @contextmanager
    def state(self) -> Iterator[float]:
        """Lock the state and bring every transition up to now; yields now."""
        with self._lock:
            now = self.clock.now()
            for dataset in list(self.datasets.values()):
                dataset.advance(now)
                if dataset.gone:
                    self._forget(dataset)
            self.models.advance(now)
            for project in list(self.projects.values()):
                project.advance(now)
                if project.status == GONE:
                    del self.projects[project.arn]
            yield now

    def _forget(self, dataset: Dataset) -> None:
        del self.datasets[dataset.arn]
        project = self.projects.get(dataset.project_arn)
        if project is not None and project.datasets.get(dataset.dataset_type) == dataset.arn:
            del project.datasets[dataset.dataset_type]

    def _readable(self, arn: str) -> Dataset:
        dataset = self.dataset(arn)
        # [infer] not created yet / failed -> ResourceNotReady; being changed -> ResourceInUse.
        if dataset.status in (CREATE_IN_PROGRESS, CREATE_FAILED):
            raise ResourceNotReadyException(f"The dataset {arn} is {dataset.status}.")
        if dataset.status in IN_PROGRESS_STATES:
            raise ResourceInUseException(f"The dataset {arn} is {dataset.status}.")
        return dataset

    def _derive(self, dataset: Dataset, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` (stats, a filtered listing), cached until the dataset's entries change.

        Entries are never mutated in place (every change installs a new dict), so identity tells staleness;
        this keeps polling DescribeDataset and paging through a large dataset linear.
        """
        cached = self._derived.get((dataset.arn, key))
        if cached is not None and cached[0] is dataset.entries:
            return cast("T", cached[1])
        if len(self._derived) >= _MAX_DERIVED:
            self._derived.clear()
        value = compute()
        self._derived[(dataset.arn, key)] = (dataset.entries, value)
        return value

    def project(self, arn: str) -> Project:
        """The project ``arn`` (ResourceNotFoundException if there is none)."""
        try:
            return self.projects[arn]
        except KeyError:
            raise ResourceNotFoundException(f"The project {arn} does not exist.") from None

    def dataset(self, arn: str) -> Dataset:
        """The dataset ``arn`` (ResourceNotFoundException if there is none)."""
        try:
            return self.datasets[arn]
        except KeyError:
            raise ResourceNotFoundException(f"The dataset {arn} does not exist.") from None

    def _taggable(self, arn: str) -> dict[str, str]:
        resource = self.projects.get(arn) or self.datasets.get(arn) or self.models.versions.get(arn)
        if resource is None:
            raise ResourceNotFoundException(f"The resource {arn} does not exist.")
        return resource.tags

    @staticmethod
    def _refuse_in_progress(dataset: Dataset, verb: str) -> None:
        if dataset.status in IN_PROGRESS_STATES:
            raise ResourceInUseException(f"The dataset {dataset.arn} is {dataset.status} and can't be {verb} now.")

    def _initial_content(self, source: dict[str, Any]) -> tuple[Entries | str, str]:
        """Entries (or the file error that fails the create) and the success message, for a DatasetSource."""
        manifest, copied = source.get("GroundTruthManifest"), source.get("DatasetArn")
        if manifest is not None and copied is not None:
            raise InvalidParameterException("Specify either GroundTruthManifest or DatasetArn, not both.")
        if copied is not None:
            original = self.dataset(copied)
            if original.status not in COMPLETE_STATES:
                raise InvalidParameterException(f"The source dataset {copied} is {original.status}, not complete.")
            return dict(original.entries), CREATED_FROM_DATASET
        if manifest is not None:
            s3_object = manifest.get("S3Object")
            if s3_object is None:
                raise InvalidParameterException("GroundTruthManifest needs an S3Object.")
            try:
                data = self.read_object(s3_object["Bucket"], s3_object["Name"], s3_object.get("Version"))
            except content.ManifestTooLarge:
                return FILE_ERRORS[content.SIZE_TOO_LARGE], CREATED_FROM_MANIFEST
            parsed = content.parse(data)
            return (parsed.file_error if parsed.file_error else parsed.entries), CREATED_FROM_MANIFEST
        return {}, CREATED_EMPTY

    def _outcome(self, complete: str, failed: str, message: str, entries: Entries | str, *arns: str) -> Outcome:
        """The outcome of a create/update: an injected failure, else the file error (a ``str``), else success."""
        injected = self.faults.take_failure(*arns)
        if injected is not None:
            return Outcome(failed, injected, SERVICE_ERROR)
        if isinstance(entries, str):
            return Outcome(failed, entries, CLIENT_ERROR)
        return Outcome(complete, message, SUCCESS, entries)

    def _distribution_outcomes(self, train: Dataset, test: Dataset) -> tuple[Outcome, ...]:
        injected = self.faults.take_failure(train.arn, test.arn, train.project_arn, "DistributeDatasetEntries")
        if injected is not None:
            return tuple(Outcome(UPDATE_FAILED, injected, SERVICE_ERROR) for _ in range(2))
        split = distribution.split(train.entries)
        if split is None:
            failure = Outcome(UPDATE_FAILED, FILE_ERRORS[distribution.INSUFFICIENT_IMAGES], CLIENT_ERROR)
            return failure, failure
        ordered = {"TRAIN": split[0], "TEST": split[1]}
        return tuple(Outcome(UPDATE_COMPLETE, UPDATED, SUCCESS, ordered[d.dataset_type]) for d in (train, test))

    def delay(self, configured: float) -> float:
        """A transition's delay: the configured one plus the ``slow`` fault's."""
        return configured + self.faults.extra_delay

    def unique_ms(self, now: float) -> int:
        """Epoch milliseconds of ``now``, bumped so no two ARNs created in the same millisecond collide."""
        self._last_ms = max(int(now * 1000), self._last_ms + 1)
        return self._last_ms
