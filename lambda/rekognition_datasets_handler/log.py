"""One JSON line per decision, with the request's identity (never its ResponseURL)."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.schema import ENV_LOG_LEVEL

if TYPE_CHECKING:
    from typing import TextIO

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
SERVICE = "rekognition-datasets-provider"


class DecisionLog:
    """A structured logger: ``keys`` persist across lines, ``None`` values are dropped."""

    __slots__ = ("keys", "level", "stream")

    def __init__(self, stream: TextIO | None = None, level: str = "INFO", keys: dict[str, Any] | None = None) -> None:
        self.stream = stream
        self.level = level
        self.keys = {} if keys is None else keys

    @classmethod
    def from_env(cls, stream: TextIO | None = None) -> DecisionLog:
        """Level from ``LOG_LEVEL`` (default INFO); unknown levels fall back to INFO."""
        level = os.environ.get(ENV_LOG_LEVEL, "INFO").upper()
        return cls(stream=stream, level=level if level in LEVELS else "INFO")

    def bind(self, **keys: Any) -> DecisionLog:
        """A logger with more persistent keys (the ResponseURL is refused)."""
        keys.pop("ResponseURL", None)
        return DecisionLog(stream=self.stream, level=self.level, keys={**self.keys, **keys})

    def _emit(self, level: str, message: str, fields: dict[str, Any]) -> None:
        if LEVELS[level] < LEVELS[self.level]:
            return
        record = {"level": level, "timestamp": time.time(), "service": SERVICE, "message": message}
        record.update({k: v for k, v in {**self.keys, **fields}.items() if v is not None and k != "ResponseURL"})
        out = self.stream if self.stream is not None else sys.stdout
        out.write(json.dumps(record, default=str) + "\n")
        out.flush()

    def debug(self, message: str, **fields: Any) -> None:
        """Log at DEBUG."""
        self._emit("DEBUG", message, fields)

    def info(self, message: str, **fields: Any) -> None:
        """Log at INFO."""
        self._emit("INFO", message, fields)

    def warning(self, message: str, **fields: Any) -> None:
        """Log at WARNING."""
        self._emit("WARNING", message, fields)

    def error(self, message: str, **fields: Any) -> None:
        """Log at ERROR."""
        self._emit("ERROR", message, fields)
