"""Per-resource reconcilers, looked up by CloudFormation ``ResourceType``."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_schema import (
    MODEL_EVALUATION_RESOURCE_TYPE,
    MODEL_SERVING_RESOURCE_TYPE,
    MODEL_VERSION_RESOURCE_TYPE,
    PROJECT_MODELS_RESOURCE_TYPE,
)
from rekognition_datasets_handler.resources import dataset
from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE, DISTRIBUTION_RESOURCE_TYPE

if TYPE_CHECKING:
    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Outcome, Runtime

Step = Callable[["Request", "Runtime"], "Outcome"]


def _lazy(module: str) -> tuple[Step, Step]:
    """(start, poll) of ``resources.<module>``, imported on first use: a stack has many datasets and few of the
    other resources, and the Lambda compiles every module it imports at cold start."""

    def start(request: Request, runtime: Runtime) -> Outcome:
        step: Step = import_module(f"{__name__}.{module}").start
        return step(request, runtime)

    def poll(request: Request, runtime: Runtime) -> Outcome:
        step: Step = import_module(f"{__name__}.{module}").poll
        return step(request, runtime)

    return start, poll


#: ResourceType -> (start, poll): ``start`` runs in on_event/create/update/delete, ``poll`` in is_complete/poll_*.
RECONCILERS: dict[str, tuple[Step, Step]] = {
    DATASET_RESOURCE_TYPE: (dataset.start, dataset.poll),
    DISTRIBUTION_RESOURCE_TYPE: _lazy("distribution"),
    MODEL_VERSION_RESOURCE_TYPE: _lazy("model_version"),
    MODEL_EVALUATION_RESOURCE_TYPE: _lazy("model_evaluation"),
    MODEL_SERVING_RESOURCE_TYPE: _lazy("model_serving"),
    PROJECT_MODELS_RESOURCE_TYPE: _lazy("project_models"),
}


def reconciler_for(resource_type: str) -> tuple[Step, Step]:
    """The (start, poll) pair for ``resource_type``; a short error for anything else."""
    try:
        return RECONCILERS[resource_type]
    except KeyError:
        allowed = " or ".join(sorted(RECONCILERS))
        raise ProviderError(f"ResourceType must be {allowed}, got {resource_type!r:.80}.") from None
