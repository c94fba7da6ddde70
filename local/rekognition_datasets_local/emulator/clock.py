"""The emulator's clock: wall time plus an offset tests move forward, so status transitions never need a sleep."""

from __future__ import annotations

import threading
import time


class Clock:
    """Epoch seconds. ``advance()`` moves time forward; ``frozen_at`` stops wall time from passing at all."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        base = time.time() if self._frozen_at is None else self._frozen_at
        with self._lock:
            return base + self._offset

    @property
    def offset(self) -> float:
        """Seconds ``advance()`` has moved the clock ahead of the time it started from."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward: seconds must be >= 0")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
