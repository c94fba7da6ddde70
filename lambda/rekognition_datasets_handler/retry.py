"""Which errors are transient, and a budgeted, jittered retry loop for ``on_event``."""

from __future__ import annotations

import os
import random
import time
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from rekognition_datasets_handler.errors import BudgetExhaustedError, shorten
from rekognition_datasets_handler.schema import ENV_CALL_BUDGET_SECONDS

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

DEFAULT_BUDGET_SECONDS = 120.0
#: Error codes that mean "try again later" for every operation.
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
        "Throttling",
        "TooManyRequestsException",
    }
)
#: Extra codes that are transient only for some operations. LimitExceededException on DeleteDataset means too
#: many concurrent operations; on CreateDataset/UpdateDatasetEntries it is a dataset quota (terminal).
#: ResourceNotReadyException on DistributeDatasetEntries means a dataset is still settling.
TRANSIENT_CODES_BY_OPERATION = {
    "DeleteDataset": frozenset({"LimitExceededException"}),
    "DistributeDatasetEntries": frozenset({"ResourceNotReadyException"}),
}
NETWORK_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ``ClientError`` ('' otherwise)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_transient(exc: BaseException) -> bool:
    """True for throttling, server errors and connection problems: worth retrying later."""
    if isinstance(exc, NETWORK_ERRORS):
        return True
    if not isinstance(exc, ClientError):
        return False
    code = error_code(exc)
    operation = str(getattr(exc, "operation_name", ""))
    return code in TRANSIENT_CODES or code in TRANSIENT_CODES_BY_OPERATION.get(operation, frozenset())


def budget_from_env() -> float:
    """Seconds from ``REKOGNITION_DATASETS_CALL_BUDGET_SECONDS`` (default 120; bad values use the default)."""
    try:
        value = float(os.environ.get(ENV_CALL_BUDGET_SECONDS, DEFAULT_BUDGET_SECONDS))
    except ValueError:
        return DEFAULT_BUDGET_SECONDS
    return value if 0 <= value <= 3600 else DEFAULT_BUDGET_SECONDS


class Budget:
    """Retries an idempotent callable on transient errors, with full-jitter exponential backoff, within a budget."""

    __slots__ = ("base_delay", "clock", "max_delay", "rng", "seconds", "sleep")

    def __init__(
        self,
        seconds: float = DEFAULT_BUDGET_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        rng: random.Random | None = None,
    ) -> None:
        self.seconds = seconds
        self.sleep = sleep
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = random.Random() if rng is None else rng

    def run(self, what: str, call: Callable[[], T]) -> T:
        """Call ``call`` until it succeeds, fails terminally, or the budget is spent (then a clear error)."""
        deadline = self.clock() + self.seconds
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                remaining = deadline - self.clock()
                delay = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
                if remaining <= 0 or delay > remaining:
                    raise BudgetExhaustedError(
                        f"{what} did not succeed within {self.seconds:g} s of retries "
                        f"({shorten(describe_error(exc), 300)}); the service is throttling or unavailable, "
                        "retry the deployment later."
                    ) from exc
                attempt += 1
                self.sleep(delay)


def describe_error(exc: BaseException) -> str:
    """A one-line description of an AWS or network error."""
    code = error_code(exc)
    if code:
        message = exc.response.get("Error", {}).get("Message", "") if isinstance(exc, ClientError) else ""
        operation = getattr(exc, "operation_name", "call")
        return f"{operation}: {code}: {message}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"
