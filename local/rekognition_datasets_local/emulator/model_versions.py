"""``ProjectVersion``: a model version of the emulated service, its statuses and timed transitions.

Like ``Dataset`` (models.py), an operation sets an in-progress status and a pending ``Transition`` whose outcome is
computed up front; ``due(now)``/``apply()`` let the backend finish it (writing the evaluation summary first when a
training completes). ``description()`` renders botocore's ``ProjectVersionDescription``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rekognition_datasets_local.emulator.models import Outcome, Transition

# ProjectVersionStatus values the emulator uses (botocore's enum also has COPYING_*, DEPRECATED and EXPIRED).
TRAINING_IN_PROGRESS = "TRAINING_IN_PROGRESS"
TRAINING_COMPLETED = "TRAINING_COMPLETED"
TRAINING_FAILED = "TRAINING_FAILED"
STARTING = "STARTING"
RUNNING = "RUNNING"
FAILED = "FAILED"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
DELETING = "DELETING"

#: Statuses from which StartProjectVersion may start a version ([infer] FAILED: a failed start may be retried).
STARTABLE = frozenset({TRAINING_COMPLETED, STOPPED, FAILED})
#: "You can't delete a model if it is running or if it is training" [doc: DeleteProjectVersion]; [infer] nor
#: while it is on its way into or out of running.
UNDELETABLE = frozenset({TRAINING_IN_PROGRESS, STARTING, RUNNING, STOPPING})
#: Statuses of a version whose training succeeded (it has an evaluation).
TRAINED = frozenset({TRAINING_COMPLETED, STARTING, RUNNING, FAILED, STOPPING, STOPPED, DELETING})


@dataclass(frozen=True)
class LabelStats:
    """What training learnt of one label: its training/testing images, and whether it was boxed (detection)."""

    name: str
    training_images: int
    testing_images: int
    boxed: bool


@dataclass(frozen=True)
class Training:
    """The data a version trains on, fixed at CreateProjectVersion (later dataset changes do not reach it)."""

    labels: tuple[LabelStats, ...]
    training_images: int
    testing_images: int
    invalid_lines: int
    #: TrainingData / TestingData as the request gave them (``{}`` when taken from the project's datasets).
    training_input: dict[str, Any]
    testing_input: dict[str, Any]
    #: The F1 score the training reaches (from the config).
    f1: float


@dataclass
class ProjectVersion:
    arn: str
    project_arn: str
    project_name: str
    name: str
    #: CreationTimestamp (the ARN's milliseconds, unique in the emulator), and the clock's time the training began.
    created: float
    started: float
    output_config: dict[str, str]
    training: Training
    tags: dict[str, str]
    kms_key_id: str | None = None
    version_description: str | None = None
    status: str = TRAINING_IN_PROGRESS
    status_message: str | None = None
    pending: Transition | None = None
    training_end: float | None = None
    billable_seconds: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    #: Where the training wrote its evaluation summary and manifest summary (once trained).
    summary_key: str | None = None
    manifest_summary_key: str | None = None
    #: Per-label assumed thresholds (0..1) the evaluation reported, used by DetectCustomLabels.
    thresholds: dict[str, float] = field(default_factory=dict)

    def start(self, status: str, ready_at: float, outcome: Outcome) -> None:
        self.status, self.status_message = status, None
        self.pending = Transition(ready_at, outcome)

    def due(self, now: float) -> Transition | None:
        """The pending transition if its time has come."""
        if self.pending is not None and now >= self.pending.ready_at:
            return self.pending
        return None

    def apply(self, outcome: Outcome) -> None:
        """End the pending transition in ``outcome``; a training's end also stamps TrainingEndTimestamp."""
        assert self.pending is not None
        ready_at = self.pending.ready_at
        if self.status == TRAINING_IN_PROGRESS:
            self.training_end = ready_at
            if outcome.status == TRAINING_COMPLETED:
                # [infer] billed for the training's (emulated) duration; a failed training is not billed.
                self.billable_seconds = round(ready_at - self.started)
        self.status, self.status_message = outcome.status, outcome.message
        self.pending = None

    def description(self) -> dict[str, Any]:
        """``ProjectVersionDescription`` as DescribeProjectVersions returns it."""
        shown: dict[str, Any] = {
            "ProjectVersionArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "OutputConfig": dict(self.output_config),
            # [infer] Input echoes the request; the service's Output/Validation snapshots are not emulated.
            "TrainingDataResult": {"Input": self.training.training_input},
            "TestingDataResult": {"Input": self.training.testing_input},
            "KmsKeyId": self.kms_key_id,
            "VersionDescription": self.version_description,
            "TrainingEndTimestamp": self.training_end,
            "BillableTrainingTimeInSeconds": self.billable_seconds,
            "MinInferenceUnits": self.min_units,
            "MaxInferenceUnits": self.max_units,
        }
        if self.manifest_summary_key is not None:
            shown["ManifestSummary"] = {"S3Object": self._s3_object(self.manifest_summary_key)}
        if self.summary_key is not None:
            shown["EvaluationResult"] = {
                "F1Score": self.training.f1,
                "Summary": {"S3Object": self._s3_object(self.summary_key)},
            }
        return {key: value for key, value in shown.items() if value is not None}

    def _s3_object(self, key: str) -> dict[str, str]:
        return {"Bucket": self.output_config["S3Bucket"], "Name": key}
