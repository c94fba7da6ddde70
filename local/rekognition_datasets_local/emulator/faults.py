"""Fault injection: throttling, internal errors, failed transitions, slow transitions, out-of-band deletes.

Faults are consumed by the server before an operation runs (``check``) and by the backend when a dataset
operation starts (``take_failure``, ``extra_delay``). Everything is deterministic: fractions draw from a
seeded ``random.Random`` per operation. Operation names are checked against botocore's Rekognition model, so
a misspelled or wrong-case name is refused instead of arming a fault that never fires; ``*`` means every operation.
"""

from __future__ import annotations

import difflib
import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rekognition_datasets_local.emulator.exceptions import THROTTLING_ERRORS, InternalServerError, RekognitionError
from rekognition_datasets_local.emulator.validation import service_model

if TYPE_CHECKING:
    from collections.abc import Callable

#: ``fail_next`` key that matches an operation on any dataset.
ANY_RESOURCE = "*"
#: Operation name that matches every operation.
ANY_OPERATION = "*"


@dataclass
class _CountedFault:
    operation: str | None
    remaining: int
    error: type[RekognitionError]


@dataclass
class _FractionFault:
    fraction: float
    rng: random.Random
    error: type[RekognitionError]


def _throttling_error(code: str) -> type[RekognitionError]:
    try:
        return THROTTLING_ERRORS[code]
    except KeyError:
        raise ValueError(f"code must be one of {sorted(THROTTLING_ERRORS)}, got {code!r}") from None


def operation_name(name: str | None) -> str | None:
    """``name`` if it is a Rekognition (or emulated EventBridge Scheduler) operation (or ``*``/None: every
    operation); ValueError naming close matches."""
    if name is None or name == ANY_OPERATION:
        return None
    known = service_model().operation_names + service_model("scheduler").operation_names
    if name in known:
        return name
    folded = {op.lower(): op for op in known}
    close = [folded[name.lower()]] if name.lower() in folded else difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else " (names are CamelCase, e.g. DescribeDataset)"
    raise ValueError(f"unknown Rekognition operation {name!r}{hint} ('*' means every operation)")


class Faults:
    """The faults armed on one emulator. Thread-safe."""

    def __init__(self, delete_dataset: Callable[[str], None]) -> None:
        self._delete_dataset = delete_dataset
        self._lock = threading.Lock()
        self._counted: list[_CountedFault] = []
        self._fractions: dict[str, _FractionFault] = {}
        self._failures: dict[str, str] = {}
        self._extra_delay = 0.0

    def throttle_next(self, count: int = 1, operation: str | None = None, code: str = "ThrottlingException") -> None:
        """Answer the next ``count`` calls (of ``operation``, or of any operation) with a throttling error."""
        self._arm(_CountedFault(operation_name(operation), _positive(count, "count"), _throttling_error(code)))

    def throttle_fraction(
        self, operation: str, fraction: float, seed: int = 0, code: str = "ThrottlingException"
    ) -> None:
        """Throttle about ``fraction`` (0..1) of ``operation``'s calls (``*``: every operation's), seeded draws."""
        key = operation_name(operation) or ANY_OPERATION
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
        with self._lock:
            self._fractions[key] = _FractionFault(fraction, random.Random(seed), _throttling_error(code))

    def internal_error_next(self, count: int = 1, operation: str | None = None) -> None:
        """Answer the next ``count`` calls (of ``operation``, or of any operation) with InternalServerError."""
        self._arm(_CountedFault(operation_name(operation), _positive(count, "count"), InternalServerError))

    def fail_next(self, arn: str, message: str) -> None:
        """End the next create/update/distribute on ``arn`` in a FAILED state with ``message`` (SERVICE_ERROR).

        ``arn`` is a dataset ARN, a project ARN (the next dataset operation in that project), an operation name
        (``CreateDataset``, ``UpdateDatasetEntries`` or ``DistributeDatasetEntries``: the next such operation
        anywhere) or ``"*"``.
        """
        with self._lock:
            self._failures[arn] = message

    def slow(self, seconds: float) -> None:
        """Add ``seconds`` to every status transition started from now on (0 turns it off)."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        with self._lock:
            self._extra_delay = seconds

    def delete_dataset(self, arn: str) -> None:
        """Delete a dataset out of band, as someone using the console would: it is gone at once."""
        self._delete_dataset(arn)

    def check(self, operation: str) -> None:
        """Raise the error of the first armed fault that matches ``operation`` (consuming it)."""
        with self._lock:
            for fault in self._counted:
                if fault.operation in (None, operation):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._counted.remove(fault)
                    raise fault.error()
            fractional = self._fractions.get(operation) or self._fractions.get(ANY_OPERATION)
            if fractional is not None and fractional.rng.random() < fractional.fraction:
                raise fractional.error()

    def take_failure(self, *arns: str) -> str | None:
        """The failure message armed for the first of ``arns`` (or ``"*"``), consumed; ``None`` if none."""
        with self._lock:
            for key in (*arns, ANY_RESOURCE):
                if key in self._failures:
                    return self._failures.pop(key)
        return None

    @property
    def extra_delay(self) -> float:
        with self._lock:
            return self._extra_delay

    def clear(self) -> None:
        with self._lock:
            self._counted.clear()
            self._fractions.clear()
            self._failures.clear()
            self._extra_delay = 0.0

    def _arm(self, fault: _CountedFault) -> None:
        with self._lock:
            self._counted.append(fault)


def _positive(value: int, name: str) -> int:
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value
