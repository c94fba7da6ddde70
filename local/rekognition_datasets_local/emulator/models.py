"""Entities of the emulated service: projects and datasets, their statuses and timed transitions.

Statuses move like moto's ManagedState: an operation sets the ``*_IN_PROGRESS`` status and a pending
``Transition`` holding the outcome (computed up front); ``advance(now)`` applies it once its time has come.
The backend advances every entity on each request, so a describe after the delay sees the new status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rekognition_datasets_handler.manifest import LineResult

# Project statuses.
CREATING = "CREATING"
CREATED = "CREATED"
DELETING = "DELETING"

# Dataset statuses.
CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
CREATE_COMPLETE = "CREATE_COMPLETE"
CREATE_FAILED = "CREATE_FAILED"
UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
UPDATE_COMPLETE = "UPDATE_COMPLETE"
UPDATE_FAILED = "UPDATE_FAILED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
#: Not a service status: the outcome of a finished delete (the entity disappears).
GONE = "GONE"

IN_PROGRESS_STATES = frozenset({CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS})
COMPLETE_STATES = frozenset({CREATE_COMPLETE, UPDATE_COMPLETE})

# StatusMessageCode values.
SUCCESS = "SUCCESS"
CLIENT_ERROR = "CLIENT_ERROR"
SERVICE_ERROR = "SERVICE_ERROR"

CUSTOM_LABELS = "CUSTOM_LABELS"
CONTENT_MODERATION = "CONTENT_MODERATION"

#: Entries of a dataset keyed by source-ref, in insertion order.
Entries = dict[str, LineResult]


@dataclass(frozen=True)
class Outcome:
    """Where a transition ends: a status, its message and code, and the entries (``None`` keeps them)."""

    status: str
    message: str | None = None
    code: str | None = None
    entries: Entries | None = None


@dataclass(frozen=True)
class Transition:
    ready_at: float
    outcome: Outcome


@dataclass
class Project:
    name: str
    arn: str
    created: float
    feature: str
    auto_update: str | None
    tags: dict[str, str]
    status: str = CREATING
    pending: Transition | None = None
    #: DatasetType -> ARN of the project's dataset of that type (until it is gone).
    datasets: dict[str, str] = field(default_factory=dict)

    def advance(self, now: float) -> None:
        if self.pending is not None and now >= self.pending.ready_at:
            self.status = self.pending.outcome.status
            self.pending = None

    def to_dict(self, datasets: list[Dataset]) -> dict[str, Any]:
        description: dict[str, Any] = {
            "ProjectArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "Datasets": [d.metadata() for d in sorted(datasets, key=lambda d: d.created)],
        }
        # [infer] the service leaves Feature/AutoUpdate empty for plain Custom Labels projects (Terraform notes
        # "API returns empty string for default CUSTOM_LABELS"; the official example has neither).
        if self.feature != CUSTOM_LABELS:
            description["Feature"] = self.feature
            if self.auto_update is not None:
                description["AutoUpdate"] = self.auto_update
        return description


@dataclass
class Dataset:
    arn: str
    project_arn: str
    dataset_type: str
    created: float
    tags: dict[str, str]
    status: str = CREATE_IN_PROGRESS
    status_message: str | None = None
    status_code: str | None = None
    last_updated: float = 0.0
    entries: Entries = field(default_factory=dict)
    pending: Transition | None = None

    def start(self, status: str, ready_at: float, outcome: Outcome, now: float) -> None:
        self.status, self.status_message, self.status_code = status, None, None
        self.last_updated = now
        self.pending = Transition(ready_at, outcome)

    def advance(self, now: float) -> None:
        if self.pending is None or now < self.pending.ready_at:
            return
        outcome, ready_at = self.pending.outcome, self.pending.ready_at
        self.pending = None
        self.status, self.status_message, self.status_code = outcome.status, outcome.message, outcome.code
        self.last_updated = ready_at
        if outcome.entries is not None:
            self.entries = outcome.entries

    @property
    def gone(self) -> bool:
        return self.status == GONE

    def metadata(self) -> dict[str, Any]:
        """``DatasetMetadata`` as DescribeProjects lists it."""
        return {
            "CreationTimestamp": self.created,
            "DatasetType": self.dataset_type,
            "DatasetArn": self.arn,
            "Status": self.status,
            **self._message(),
        }

    def description(self, stats: dict[str, int]) -> dict[str, Any]:
        """``DatasetDescription`` as DescribeDataset returns it."""
        return {
            "CreationTimestamp": self.created,
            "LastUpdatedTimestamp": self.last_updated,
            "Status": self.status,
            **self._message(),
            "DatasetStats": stats,
        }

    def _message(self) -> dict[str, str]:
        shown = {"StatusMessage": self.status_message, "StatusMessageCode": self.status_code}
        return {key: value for key, value in shown.items() if value is not None}
