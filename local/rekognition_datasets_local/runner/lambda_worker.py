"""A warm Lambda worker: runs one function's handler from its code directory, one request at a time.

Started by ``lambda_host`` as ``python -S lambda_worker.py`` with ``PYTHONPATH`` = the function's code directory
and the interpreter's site-packages (no ``.pth`` processing, so the project's editable source tree is NOT
importable: the handler runs from its deployed bundle only). Requests and replies are JSON lines on stdin and
on the original stdout; the handler's own prints and logs go to stderr. Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any


class LambdaContext:
    """The attributes and method of the Lambda Python context object that handlers use."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["request_id"]
        self.function_name: str = request["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = request["function_arn"]
        self.memory_limit_in_mb: str = str(request.get("memory_mb", 128))
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self._deadline = time.monotonic() + float(request["timeout_seconds"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _crash_after(operation: str) -> Any:
    """Fault injection: exit the process right after a successful call of ``operation``; returns the undo."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        result = original(self, operation_name, api_params)
        if operation_name == operation:
            sys.stderr.flush()
            os._exit(137)
        return result

    BaseClient._make_api_call = make_api_call  # type: ignore[attr-defined]
    return lambda: setattr(BaseClient, "_make_api_call", original)


def _handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    return getattr(importlib.import_module(module_name.replace("/", ".")), function_name)


def main() -> None:
    if sys.path and Path(__file__).resolve().parent == Path(sys.path[0]).resolve():
        sys.path.pop(0)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        request = json.loads(line)
        undo = _crash_after(request["crash_after"]) if request.get("crash_after") else None
        try:
            handler = _handler(request["handler"])
            result = None if request.get("warm") else handler(request["event"], LambdaContext(request))
            reply: dict[str, Any] = {"result": result}
        except Exception as exc:
            # as the Lambda Python runtime logs an unhandled exception: "[ERROR] Type: message" and the traceback
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exception(exc, file=sys.stderr)
            reply = {
                "error": {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exception(exc),
                }
            }
        if undo is not None:
            undo()
        sys.stderr.flush()
        replies.write(json.dumps(reply, default=str) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
