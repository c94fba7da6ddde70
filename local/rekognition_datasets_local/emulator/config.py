"""``EmulatorConfig``: identity of the emulated account and how long each status transition takes."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

#: ``EmulatorConfig`` fields that are transition delays, by the short name the CLI's ``--delay KIND=SECONDS`` uses.
DELAY_FIELDS = {
    "dataset-create": "dataset_create_delay",
    "dataset-update": "dataset_update_delay",
    "dataset-delete": "dataset_delete_delay",
    "distribute": "distribute_delay",
    "project-create": "project_create_delay",
    "project-delete": "project_delete_delay",
}


@dataclass(frozen=True)
class EmulatorConfig:
    """Region/account of the ARNs, per-transition delays in seconds, and the DeleteProject rule.

    The default delays are short but visible (a client sees the ``*_IN_PROGRESS`` states); tests pass 0.
    ``delete_project_requires_no_datasets`` is the dev guide's stricter rule (DeleteProject refuses while the
    project has datasets); ``False`` deletes the datasets with the project, as the API reference reads.
    """

    region: str = "us-east-1"
    account_id: str = "123456789012"
    dataset_create_delay: float = 1.0
    dataset_update_delay: float = 1.0
    dataset_delete_delay: float = 0.5
    distribute_delay: float = 1.5
    project_create_delay: float = 0.2
    project_delete_delay: float = 0.5
    delete_project_requires_no_datasets: bool = True

    @classmethod
    def instant(cls, **overrides: Any) -> EmulatorConfig:
        """A config whose transitions all complete on the next request (for tests)."""
        return replace(cls(), **{**dict.fromkeys(DELAY_FIELDS.values(), 0.0), **overrides})

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name.endswith("_delay") and getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be >= 0 seconds, got {getattr(self, f.name)}")
