"""What one invocation works with: clients, the decision log, the retry budget and the chunk size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from rekognition_datasets_handler.clients import get_clients, get_events_client, get_scheduler_client
from rekognition_datasets_handler.log import DecisionLog
from rekognition_datasets_handler.retry import Budget, budget_from_env
from rekognition_datasets_handler.schema import MAX_GROUND_TRUTH_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import TextIO

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

    from rekognition_datasets_handler.clients import Clients

#: Entries are applied in chunks of whole lines just under the 5 MiB UpdateDatasetEntries limit.
DEFAULT_CHUNK_BYTES = MAX_GROUND_TRUTH_BYTES - 16 * 1024


# Records on the cold-start path are NamedTuples: immutable like a frozen dataclass, at a quarter of its class
# creation cost (a frozen dataclass compiles six generated methods when its module is imported).
class Outcome(NamedTuple):
    """The result of one reconcile step: done or not, the physical id, and (when done) the attributes."""

    complete: bool
    physical_id: str | None = None
    data: Mapping[str, str] = {}  # read-only: the shared default is never mutated
    #: on_event only: the step taken on the dataset ``physical_id`` names, handed to is_complete (``STEP_KEY``)
    step: str | None = None


class StagingLimits(NamedTuple):
    """How much one step of a staged source (prefix, folder) may do before it hands over to the next poll."""

    #: wall-clock seconds of work per step, well under the handler's 300 s timeout
    seconds: float = 30.0
    #: keys per ListObjectsV2 page (its maximum)
    page_keys: int = 1000
    #: zip members extracted per batch (each batch is one ListObjectsV2 of what is already staged)
    members: int = 500
    #: manifest bytes per multipart part (S3 wants at least 5 MiB for every part but the last)
    part_bytes: int = 8 * 1024 * 1024


class Runtime(NamedTuple):
    """Seams of an invocation; ``Runtime.from_env()`` is what Lambda uses, tests build their own."""

    log: DecisionLog
    budget: Budget
    clients_factory: Callable[[], Clients] = get_clients
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    staging: StagingLimits = StagingLimits()
    events_factory: Callable[[], EventBridgeClient] = get_events_client
    scheduler_factory: Callable[[], EventBridgeSchedulerClient] = get_scheduler_client
    #: The handler's own function ARN (the Lambda context's ``invoked_function_arn``): the model watch rules'
    #: target. None outside Lambda unless a test sets it.
    function_arn: str | None = None

    @classmethod
    def from_env(cls, stream: TextIO | None = None) -> Runtime:
        """LOG_LEVEL and REKOGNITION_DATASETS_CALL_BUDGET_SECONDS from the environment, real sleep and clock."""
        return cls(log=DecisionLog.from_env(stream), budget=Budget(seconds=budget_from_env()))

    @property
    def clients(self) -> Clients:
        """The boto3 clients (created on first use)."""
        return self.clients_factory()

    @property
    def events(self) -> EventBridgeClient:
        """The EventBridge client (created on first use)."""
        return self.events_factory()

    @property
    def scheduler(self) -> EventBridgeSchedulerClient:
        """The EventBridge Scheduler client (created on first use; only the model serving resource needs it)."""
        return self.scheduler_factory()

    def with_context(self, context: object) -> Runtime:
        """The same runtime knowing the invoked function's ARN from a Lambda ``context`` (kept when it has none)."""
        arn = getattr(context, "invoked_function_arn", None)
        return self._replace(function_arn=arn) if isinstance(arn, str) and arn else self

    def bind(self, **keys: Any) -> Runtime:
        """The same runtime with more persistent log keys."""
        return self._replace(log=self.log.bind(**keys))
