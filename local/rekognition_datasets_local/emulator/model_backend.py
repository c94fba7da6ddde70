"""``ModelBackend``: the model (ProjectVersion) operations, over the projects and datasets of a ``RekognitionBackend``.

It shares the dataset backend's lock and clock (every method runs inside ``backend.state()``, which also calls
``advance``), checks existence and state before it mutates, and computes a training's outcome up front from the
``EmulatorConfig``. Refusals marked [infer] pick, among the errors botocore declares for the operation, the one the
reference's reading points to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.emulator import content, detection, distribution, evaluation
from rekognition_datasets_local.emulator.exceptions import (
    InvalidParameterException,
    InvalidS3ObjectException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
)
from rekognition_datasets_local.emulator.model_versions import (
    DELETING,
    FAILED,
    RUNNING,
    STARTABLE,
    STARTING,
    STOPPED,
    STOPPING,
    TRAINING_COMPLETED,
    TRAINING_FAILED,
    TRAINING_IN_PROGRESS,
    UNDELETABLE,
    LabelStats,
    ProjectVersion,
    Training,
)
from rekognition_datasets_local.emulator.models import (
    COMPLETE_STATES,
    CUSTOM_LABELS,
    GONE,
    IN_PROGRESS_STATES,
    Entries,
    Outcome,
)
from rekognition_datasets_local.emulator.models import DELETING as PROJECT_DELETING

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.backend import RekognitionBackend

#: Writes ``(bucket, key, body)`` to S3; raises ``OSError`` when it cannot.
ObjectWriter = Callable[[str, str, bytes], None]

# The documented examples show this message on a trained version; [infer] the others' wording is not documented.
READY = "The model is ready to run."
MODEL_RUNNING = "The model is running."
NO_LABELS = "The training dataset has no labeled images; label at least one image."
UNWRITABLE = "Rekognition could not write the training results to s3://{bucket}/{prefix}; check the bucket policy."


class ModelBackend:
    """Model versions keyed by ARN."""

    def __init__(self, backend: RekognitionBackend, write_object: ObjectWriter) -> None:
        self._backend = backend
        self._write_object = write_object
        self.versions: dict[str, ProjectVersion] = {}

    def reset(self) -> None:
        self.versions.clear()

    def of_project(self, project_arn: str) -> list[ProjectVersion]:
        return [v for v in self.versions.values() if v.project_arn == project_arn]

    def advance(self, now: float) -> None:
        """Finish every transition due by ``now`` (called by ``backend.state()`` under its lock)."""
        for version in list(self.versions.values()):
            pending = version.due(now)
            if pending is None:
                continue
            outcome = pending.outcome
            if outcome.status == TRAINING_COMPLETED:
                outcome = self._write_results(version, pending.ready_at)
            version.apply(outcome)
            if version.status == GONE:
                del self.versions[version.arn]

    # -- operations ----------------------------------------------------------------------------------------

    def create_project_version(self, project_arn: str, name: str, params: dict[str, Any]) -> str:
        with self._backend.state() as now:
            project = self._backend.project(project_arn)
            if project.status == PROJECT_DELETING:
                raise InvalidParameterException(f"The project {project_arn} is being deleted.")  # [infer]
            if project.feature != CUSTOM_LABELS:
                # [infer] adapters (CONTENT_MODERATION) are trained by the service too; the emulator does not.
                raise InvalidParameterException("The emulator trains CUSTOM_LABELS models only.")
            if params.get("FeatureConfig") is not None:
                raise InvalidParameterException("FeatureConfig applies to CONTENT_MODERATION adapters only.")
            if any(v.name == name for v in self.of_project(project_arn)):
                raise ResourceInUseException(  # [infer] the only "exists"-type error the operation declares
                    f"A version named {name} already exists in project {project_arn}."
                )
            output = params["OutputConfig"]
            if not output.get("S3Bucket"):
                raise InvalidParameterException("OutputConfig needs an S3Bucket for the training results.")
            train, test = self._training_data(project.datasets, params.get("TrainingData"), params.get("TestingData"))
            f1, failure = self._backend.config.training_outcome(project.name, name)
            training = _training(train, test, params.get("TrainingData", {}), params.get("TestingData", {}), f1)
            ms = self._backend.unique_ms(now)
            arn = f"{project_arn.rsplit('/', 1)[0]}/version/{name}/{ms}"
            version = ProjectVersion(
                arn,
                project_arn,
                project.name,
                name,
                ms / 1000,
                now,
                dict(output),
                training,
                dict(params.get("Tags", {})),
                kms_key_id=params.get("KmsKeyId"),
                version_description=params.get("VersionDescription"),
            )
            if failure is None and not training.labels:
                failure = NO_LABELS
            outcome = Outcome(TRAINING_FAILED, failure) if failure is not None else Outcome(TRAINING_COMPLETED, READY)
            ready_at = now + self._backend.delay(self._backend.config.training_delay)
            version.start(TRAINING_IN_PROGRESS, ready_at, outcome)
            self.versions[arn] = version
            return arn

    def describe_project_versions(self, project_arn: str, names: list[str] | None) -> list[dict[str, Any]]:
        """Descriptions of the project's versions (those named in ``names``), newest first [infer]."""
        with self._backend.state():
            self._backend.project(project_arn)
            chosen = [v for v in self.of_project(project_arn) if names is None or v.name in names]
            return [v.description() for v in sorted(chosen, key=lambda v: v.created, reverse=True)]

    def start_project_version(self, arn: str, min_units: int, max_units: int | None) -> str:
        with self._backend.state() as now:
            version = self.version(arn)
            if max_units is not None and max_units < min_units:
                raise InvalidParameterException(
                    f"MaxInferenceUnits ({max_units}) must be >= MinInferenceUnits ({min_units})."
                )
            if version.status not in STARTABLE:
                # [infer] starting a running (or training, or failed) version is refused as in use.
                raise ResourceInUseException(f"The version {arn} is {version.status} and can't be started.")
            # [infer] without MaxInferenceUnits the model does not scale: the maximum is the minimum.
            version.min_units, version.max_units = min_units, max_units or min_units
            failure = self._backend.config.start_failure(version.project_name, version.name)
            outcome = Outcome(FAILED, failure) if failure is not None else Outcome(RUNNING, MODEL_RUNNING)
            version.start(STARTING, now + self._backend.delay(self._backend.config.version_start_delay), outcome)
            return STARTING

    def stop_project_version(self, arn: str) -> str:
        with self._backend.state() as now:
            version = self.version(arn)
            if version.status == STOPPING:
                return STOPPING  # [infer] a repeated stop reports the stop under way
            if version.status not in (RUNNING, STARTING):
                raise ResourceInUseException(f"The version {arn} is {version.status}; only a running model stops.")
            version.start(
                STOPPING, now + self._backend.delay(self._backend.config.version_stop_delay), Outcome(STOPPED)
            )
            return STOPPING

    def delete_project_version(self, arn: str) -> str:
        with self._backend.state() as now:
            version = self.version(arn)
            if version.status == DELETING:
                return DELETING
            if version.status in UNDELETABLE:
                raise ResourceInUseException(
                    f"The version {arn} is {version.status}: stop a running model, or wait for its training to end, "
                    "before deleting it."
                )
            version.start(DELETING, now + self._backend.delay(self._backend.config.version_delete_delay), Outcome(GONE))
            return DELETING

    def detect_custom_labels(
        self, arn: str, image: dict[str, Any], min_confidence: float | None, max_results: int | None
    ) -> list[dict[str, Any]]:
        with self._backend.state():
            version = self.version(arn)
            if version.status != RUNNING:
                raise ResourceNotReadyException(f"The version {arn} is {version.status}, not RUNNING.")
            data = self._image_bytes(image)
            detection.check_image(data)
            return detection.detect(version, data, min_confidence, max_results)

    def version(self, arn: str) -> ProjectVersion:
        try:
            return self.versions[arn]
        except KeyError:
            raise ResourceNotFoundException(f"The version {arn} does not exist.") from None

    # -- helpers -------------------------------------------------------------------------------------------

    def _training_data(
        self, datasets: dict[str, str], training: dict[str, Any] | None, testing: dict[str, Any] | None
    ) -> tuple[Entries, Entries]:
        """Training and testing entries: the project's datasets, or the manifests the request names."""
        if training is None and testing is None:
            if "TRAIN" not in datasets or "TEST" not in datasets:
                # [infer] InvalidParameterException: what the API reference's "specify TrainingData" reads as.
                raise InvalidParameterException(
                    "The project needs a TRAIN and a TEST dataset to train a model (or pass TrainingData and "
                    "TestingData)."
                )
            return self._dataset_entries(datasets["TRAIN"]), self._dataset_entries(datasets["TEST"])
        if datasets:
            # [doc] TrainingData/TestingData: "The project must not have any associated datasets."
            raise InvalidParameterException("The project has datasets: omit TrainingData and TestingData.")
        if training is None or testing is None:
            # [doc] "If you specify TrainingData you must also specify TestingData."
            raise InvalidParameterException("Specify both TrainingData and TestingData, or neither.")
        train = self._manifest_entries(training.get("Assets", []), "TrainingData")
        if testing.get("AutoCreate"):
            if testing.get("Assets"):
                raise InvalidParameterException("TestingData takes Assets or AutoCreate, not both.")  # [infer]
            split = distribution.split(train)
            if split is None:
                raise InvalidParameterException(
                    "AutoCreate needs at least two images of every label to split the training data."
                )
            return split
        return train, self._manifest_entries(testing.get("Assets", []), "TestingData")

    def _dataset_entries(self, arn: str) -> Entries:
        dataset = self._backend.dataset(arn)
        if dataset.status in IN_PROGRESS_STATES:
            # [infer] ResourceInUseException: the dataset is being changed (ResourceNotReady is not declared here).
            raise ResourceInUseException(f"The {dataset.dataset_type} dataset {arn} is {dataset.status}.")
        if dataset.status not in COMPLETE_STATES:
            raise InvalidParameterException(  # [infer]
                f"The {dataset.dataset_type} dataset {arn} is {dataset.status}; fix and update it before training."
            )
        if not dataset.entries:
            raise InvalidParameterException(  # [infer]
                f"The {dataset.dataset_type} dataset {arn} is empty; add images before training."
            )
        return dataset.entries

    def _manifest_entries(self, assets: list[dict[str, Any]], member: str) -> Entries:
        if not assets:
            raise InvalidParameterException(f"{member} needs at least one asset.")  # [infer]
        entries: Entries = {}
        for asset in assets:
            s3_object = asset.get("GroundTruthManifest", {}).get("S3Object")
            if s3_object is None:
                raise InvalidParameterException(f"Each {member} asset needs a GroundTruthManifest S3Object.")
            try:
                data = self._backend.read_object(s3_object["Bucket"], s3_object["Name"], s3_object.get("Version"))
            except content.ManifestTooLarge:
                raise InvalidParameterException(f"A {member} manifest is larger than the service reads.") from None
            entries.update(content.parse(data).entries)
        return entries

    def _image_bytes(self, image: dict[str, Any]) -> bytes:
        data, s3_object = image.get("Bytes"), image.get("S3Object")
        if data is not None and s3_object is None:
            return bytes(data)
        if s3_object is None or data is not None:
            raise InvalidParameterException("Image takes either Bytes or S3Object.")  # [infer]
        try:
            return self._backend.read_object(s3_object["Bucket"], s3_object["Name"], s3_object.get("Version"))
        except content.ManifestTooLarge:
            raise InvalidS3ObjectException() from None

    def _write_results(self, version: ProjectVersion, end: float) -> Outcome:
        """Write the evaluation and manifest summaries; a training that cannot write them fails [infer]."""
        bucket = version.output_config["S3Bucket"]
        summary_key = evaluation.summary_key(version)
        manifest_key = evaluation.manifest_summary_key(version)
        try:
            self._write_object(bucket, manifest_key, json.dumps(evaluation.manifest_summary(version)).encode())
            self._write_object(bucket, summary_key, json.dumps(evaluation.summary(version, end)).encode())
        except OSError:
            prefix = version.output_config.get("S3KeyPrefix", "")
            return Outcome(TRAINING_FAILED, UNWRITABLE.format(bucket=bucket, prefix=prefix))
        version.summary_key, version.manifest_summary_key = summary_key, manifest_key
        version.thresholds = evaluation.thresholds(version)
        return Outcome(TRAINING_COMPLETED, READY)


def _training(
    train: Entries,
    test: Entries,
    training_input: dict[str, Any],
    testing_input: dict[str, Any],
    f1: float,
) -> Training:
    """What a version learns from ``train``/``test``: labels (with image counts and whether boxed) and sizes."""
    test_counts = {name: count for name, count, _ in content.label_stats(test)}
    labels = tuple(
        LabelStats(name, count, test_counts.get(name, 0), boxes > 0)
        for name, count, boxes in sorted(content.label_stats(train))
    )
    valid = [e for e in (*train.values(), *test.values()) if not e.has_errors]
    return Training(
        labels=labels,
        training_images=sum(not e.has_errors for e in train.values()),
        testing_images=sum(not e.has_errors for e in test.values()),
        invalid_lines=len(train) + len(test) - len(valid),
        training_input=training_input,
        testing_input=testing_input,
        f1=f1,
    )
