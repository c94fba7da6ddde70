"""A local stand-in for a wait condition handle's presigned URL that stamps each signal with a clock's time."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass(frozen=True)
class Signal:
    """One PUT the handle took: when (on the given clock) and its JSON body."""

    at: float
    body: dict[str, Any]


@dataclass
class SignalRecorder:
    """The URL to signal and every signal received."""

    url: str
    signals: list[Signal] = field(default_factory=list)


@contextlib.contextmanager
def recording_handle(now: Callable[[], float]) -> Iterator[SignalRecorder]:
    """Serve a handle on 127.0.0.1 whose signals are stamped with ``now()`` (e.g. the emulator's clock)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host, port = server.server_address[:2]
    recorder = SignalRecorder(f"http://{host!s}:{port}/handle?X-Amz-Signature=bench")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            recorder.signals.append(Signal(now(), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
