"""A client of a running emulator's control endpoint, for other processes (the CLI, benchmarks, runners)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from rekognition_datasets_local.emulator.server import CONTROL_PREFIX

#: An opener that ignores HTTP(S)_PROXY: the emulator is always on loopback.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ControlError(Exception):
    """The emulator refused a control request, or could not be reached."""


class EmulatorControl:
    """Faults, clock, reset and request log of the emulator whose Rekognition URL is ``url``.

    >>> control = EmulatorControl("http://127.0.0.1:4566")
    >>> control.arm("throttle_next", count=2, operation="DescribeDataset")  # doctest: +SKIP
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.base = url.rstrip("/") + CONTROL_PREFIX
        self.timeout = timeout

    def arm(self, fault: str, **arguments: Any) -> None:
        """Call ``Faults.<fault>(**arguments)`` in the emulator (``throttle_next``, ``fail_next``, ...)."""
        self._call("POST", "faults", {"fault": fault, **arguments})

    def requests(self) -> list[dict[str, Any]]:
        """The request log: ``{"operation", "params", "outcome", "timestamp"}`` per call, oldest first."""
        entries: list[dict[str, Any]] = self._call("GET", "requests")["requests"]
        return entries

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward."""
        self._call("POST", "advance", {"seconds": seconds})

    def configure(self, **changes: Any) -> None:
        """Replace ``EmulatorConfig`` fields (``training_f1=0.7``, ``training_failures={...}``) until reset."""
        self._call("POST", "configure", changes)

    def reset(self) -> None:
        """Forget all state (Rekognition and moto), faults and logged requests."""
        self._call("POST", "reset", {})

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with LOOPBACK.open(request, timeout=self.timeout) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}").get("error", error.reason)
            raise ControlError(f"the emulator refused {method} {path}: {detail}") from None
        except urllib.error.URLError as error:
            raise ControlError(f"cannot reach the emulator at {self.base}: {error.reason}") from None
        return answer
