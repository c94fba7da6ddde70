"""Per-resource reconcilers, looked up by CloudFormation ``ResourceType``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_schema import MODEL_SERVING_RESOURCE_TYPE
from rekognition_datasets_handler.resources import dataset
from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE, DISTRIBUTION_RESOURCE_TYPE

if TYPE_CHECKING:
    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Outcome, Runtime

Step = Callable[["Request", "Runtime"], "Outcome"]


# The distribution and serving reconcilers are imported on first use: a stack has many datasets and at most a few
# of the others, and the Lambda compiles every module it imports at cold start.
def _start_distribution(request: Request, runtime: Runtime) -> Outcome:
    from rekognition_datasets_handler.resources import distribution

    return distribution.start(request, runtime)


def _poll_distribution(request: Request, runtime: Runtime) -> Outcome:
    from rekognition_datasets_handler.resources import distribution

    return distribution.poll(request, runtime)


def _start_serving(request: Request, runtime: Runtime) -> Outcome:
    from rekognition_datasets_handler.resources import model_serving

    return model_serving.start(request, runtime)


def _poll_serving(request: Request, runtime: Runtime) -> Outcome:
    from rekognition_datasets_handler.resources import model_serving

    return model_serving.poll(request, runtime)


#: ResourceType -> (start, poll): ``start`` runs in on_event/create/update/delete, ``poll`` in is_complete/poll_*.
RECONCILERS: dict[str, tuple[Step, Step]] = {
    DATASET_RESOURCE_TYPE: (dataset.start, dataset.poll),
    DISTRIBUTION_RESOURCE_TYPE: (_start_distribution, _poll_distribution),
    MODEL_SERVING_RESOURCE_TYPE: (_start_serving, _poll_serving),
}


def reconciler_for(resource_type: str) -> tuple[Step, Step]:
    """The (start, poll) pair for ``resource_type``; a short error for anything else."""
    try:
        return RECONCILERS[resource_type]
    except KeyError:
        allowed = " or ".join(sorted(RECONCILERS))
        raise ProviderError(f"ResourceType must be {allowed}, got {resource_type!r:.80}.") from None
