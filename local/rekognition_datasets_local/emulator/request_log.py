"""A thread-safe log of every API call the emulator answered, for tests and benchmarks to count calls."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

#: Request members whose (possibly megabytes of) content is replaced by its size in bytes.
_BLOB_MEMBERS = frozenset({"GroundTruth", "Bytes"})


@dataclass(frozen=True)
class LoggedRequest:
    """One call: ``outcome`` is ``"OK"`` or the error code returned."""

    operation: str
    params: dict[str, Any]
    outcome: str
    timestamp: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(params: Any) -> Any:
    """A copy of request parameters safe to keep: blobs become ``{"size": <bytes>}``."""
    if isinstance(params, dict):
        return {
            key: {"size": _size(value)} if key in _BLOB_MEMBERS and isinstance(value, bytes | str) else summarise(value)
            for key, value in params.items()
        }
    if isinstance(params, list):
        return [summarise(value) for value in params]
    return params


def _size(blob: bytes | str) -> int:
    """Bytes of a decoded blob, or of a still base64-encoded one (a request refused before decoding)."""
    if isinstance(blob, bytes):
        return len(blob)
    return len(blob) * 3 // 4 - blob[-2:].count("=")


class RequestLog:
    """Append-only (until ``clear()``) list of ``LoggedRequest``."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._listeners: list[Callable[[LoggedRequest], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[LoggedRequest], None]) -> None:
        """Call ``listener`` with every request recorded from now on (e.g. to print it)."""
        with self._lock:
            self._listeners.append(listener)

    def record(self, operation: str, params: dict[str, Any], outcome: str, timestamp: float) -> None:
        entry = LoggedRequest(operation, summarise(params), outcome, timestamp)
        with self._lock:
            self._entries.append(entry)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entry)

    def entries(self, operation: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [e for e in self._entries if operation is None or e.operation == operation]

    def count(self, operation: str | None = None, outcome: str | None = None) -> int:
        return sum(1 for e in self.entries(operation) if outcome is None or e.outcome == outcome)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
