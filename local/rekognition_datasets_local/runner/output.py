"""Progress output in the style of ``cdk deploy``: one line per resource status transition, with elapsed time."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    #: Called with ``(stack, logical_id, resource_type, status, reason)`` on every status transition.
    StatusObserver = Callable[[str, str, str, str, str], None]

_FAILED_WIDTH = 200


class Printer:
    """Thread-safe status lines: ``<Stack> | n/N | elapsed | STATUS | Type | LogicalId [reason]``."""

    def __init__(
        self, stream: TextIO | None = None, *, quiet: bool = False, show: Callable[[str], bool] | None = None
    ) -> None:
        """``quiet`` prints nothing; ``show(resource_type)`` False hides that type's status lines (still counted)."""
        self._stream = stream or sys.stdout
        self._quiet = quiet
        self._show = show or (lambda _type: True)
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._done = 0
        self._total = 0
        self.events: list[tuple[str, str, str]] = []
        self._observers: list[StatusObserver] = []

    def observe(self, observer: StatusObserver) -> None:
        """Also report every status transition to ``observer`` (in order, under the printer's lock)."""
        self._observers.append(observer)

    def begin(self, total: int) -> None:
        """Start counting a stack operation over ``total`` resources."""
        with self._lock:
            self._start, self._done, self._total = time.monotonic(), 0, total

    def recount(self, total: int) -> None:
        """A new phase (a rollback, a cleanup) over ``total`` more resources: the counter and the clock go on."""
        with self._lock:
            self._total = self._done + total

    def skip(self) -> None:
        """A resource needed no request (unchanged): it counts as done without a line."""
        with self._lock:
            self._done += 1

    def line(self, text: str = "") -> None:
        with self._lock:
            self._write(text)

    def _write(self, text: str) -> None:
        if not self._quiet:
            print(text, file=self._stream, flush=True)

    def status(self, stack: str, logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
        """One resource (or the stack itself) changed status."""
        with self._lock:
            self.events.append((logical_id, status, reason))
            for observer in self._observers:
                observer(stack, logical_id, resource_type, status, reason)
            if status.endswith(("_COMPLETE", "_FAILED", "_SKIPPED")) and logical_id != stack:
                self._done += 1
            elapsed = time.monotonic() - self._start
            width = len(str(self._total))
            head = f"{stack} | {self._done:>{width}}/{self._total} | {elapsed:6.1f}s | {status:<28} | {resource_type}"
            detail = f" | {logical_id}"
            if reason:
                first = reason.strip().splitlines()[0] if reason.strip() else reason
                detail += f" {_short(first)}"
            if self._show(resource_type) or status.endswith("_FAILED"):
                self._write(head + detail)

    def note(self, stack: str, logical_id: str, message: str) -> None:
        with self._lock:
            self._write(f"{stack} | {logical_id}: {message}")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A plain aligned table."""
        widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
        with self._lock:
            self._write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
            self._write("  ".join("-" * w for w in widths))
            for row in rows:
                self._write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _short(text: str) -> str:
    return text if len(text) <= _FAILED_WIDTH else text[: _FAILED_WIDTH - 3] + "..."
