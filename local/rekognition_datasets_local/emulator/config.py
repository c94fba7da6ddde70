"""``EmulatorConfig``: identity of the emulated account and how long each status transition takes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

#: ``EmulatorConfig`` fields that are transition delays, by the short name the CLI's ``--delay KIND=SECONDS`` uses.
DELAY_FIELDS = {
    "dataset-create": "dataset_create_delay",
    "dataset-update": "dataset_update_delay",
    "dataset-delete": "dataset_delete_delay",
    "distribute": "distribute_delay",
    "project-create": "project_create_delay",
    "project-delete": "project_delete_delay",
    "training": "training_delay",
    "version-start": "version_start_delay",
    "version-stop": "version_stop_delay",
    "version-delete": "version_delete_delay",
}

#: Key of ``training_f1s``, ``training_failures`` and ``start_failures`` that matches every version.
EVERY_VERSION = "*"
T = TypeVar("T")


@dataclass(frozen=True)
class EmulatorConfig:
    """Region/account of the ARNs, per-transition delays in seconds, and the DeleteProject rule.

    The default delays are short but visible (a client sees the ``*_IN_PROGRESS`` states); tests pass 0.
    ``delete_project_requires_no_datasets`` is the dev guide's stricter rule (DeleteProject refuses while the
    project has datasets); ``False`` deletes the datasets with the project, as the API reference reads.

    Trainings: ``training_f1`` is the F1 score a training reaches, unless ``training_f1s`` names another for the
    version (``"<project>/<version>"`` or ``"<version>"``) or its project (``"<project>"``); ``training_failures``
    maps such names (or ``"*"``) to the StatusMessage of a training that ends TRAINING_FAILED, ``start_failures``
    to that of a StartProjectVersion that ends FAILED.
    """

    region: str = "us-east-1"
    account_id: str = "123456789012"
    dataset_create_delay: float = 1.0
    dataset_update_delay: float = 1.0
    dataset_delete_delay: float = 0.5
    distribute_delay: float = 1.5
    project_create_delay: float = 0.2
    project_delete_delay: float = 0.5
    training_delay: float = 5.0
    version_start_delay: float = 1.0
    version_stop_delay: float = 0.5
    version_delete_delay: float = 0.5
    delete_project_requires_no_datasets: bool = True
    training_f1: float = 0.9
    training_f1s: dict[str, float] = field(default_factory=dict)
    training_failures: dict[str, str] = field(default_factory=dict)
    start_failures: dict[str, str] = field(default_factory=dict)

    @classmethod
    def instant(cls, **overrides: Any) -> EmulatorConfig:
        """A config whose transitions all complete on the next request (for tests)."""
        return replace(cls(), **{**dict.fromkeys(DELAY_FIELDS.values(), 0.0), **overrides})

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name.endswith("_delay") and getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be >= 0 seconds, got {getattr(self, f.name)}")
        for name, score in {"training_f1": self.training_f1, **self.training_f1s}.items():
            if not 0.0 <= score <= 1.0:
                raise ValueError(f"the F1 score of {name} must be between 0 and 1, got {score}")

    def training_outcome(self, project: str, version: str) -> tuple[float, str | None]:
        """The F1 score a training of ``project``/``version`` reaches, and its failure message (or ``None``)."""
        f1 = _named(self.training_f1s, project, version)
        return (self.training_f1 if f1 is None else f1), _named(self.training_failures, project, version)

    def start_failure(self, project: str, version: str) -> str | None:
        """The StatusMessage of a start of ``project``/``version`` that ends FAILED, or ``None``."""
        return _named(self.start_failures, project, version)


def _named(table: dict[str, T], project: str, version: str) -> T | None:
    """The entry of ``table`` for the version (``project/version``, then ``version``), its project, or ``"*"``."""
    for name in (f"{project}/{version}", version, project, EVERY_VERSION):
        if name in table:
            return table[name]
    return None
