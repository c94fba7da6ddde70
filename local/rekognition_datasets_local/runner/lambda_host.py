"""Run Python Lambda functions locally from their deployed code: warm worker subprocesses, one per concurrent call.

Each function's code is downloaded from the emulator's S3 (the asset the stack's ``Code`` names) and extracted,
so the handler runs from exactly what would be deployed. Workers run ``lambda_worker.py`` with the function's
environment plus the emulator's endpoints.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import select
import site
import subprocess
import sys
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import RunnerError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_s3 import S3Client

_WORKER = Path(__file__).with_name("lambda_worker.py")
#: What the Lambda Python runtimes put on the path besides the function's code: boto3 and its dependencies.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
_FETCH_LOCK = threading.Lock()


class FunctionError(RunnerError):
    """The handler raised (Lambda's ``FunctionError: Unhandled``) or timed out."""

    def __init__(self, message: str, error_type: str = "Error") -> None:
        super().__init__(message)
        self.error_message = message
        self.error_type = error_type


class FunctionCrashed(RunnerError):
    """The worker process died before answering (Lambda's "Runtime exited"): the event may be re-delivered."""


@dataclass(frozen=True)
class FunctionSpec:
    """A deployed function, as its ``AWS::Lambda::Function`` resource declares it."""

    name: str
    arn: str
    handler: str
    runtime: str
    code_dir: Path
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_seconds: float = 3.0
    memory_mb: int = 128

    def key(self) -> str:
        env = json.dumps(sorted(self.environment.items()))
        return f"{self.name}|{self.code_dir}|{self.handler}|{env}"


class _Worker:
    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], log: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-S", str(_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=dict(env),
            cwd=spec.code_dir,
        )

    def call(self, request: Mapping[str, Any], timeout: float) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError as exc:
            raise FunctionCrashed("the function's runtime exited before answering") from exc
        readable, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not readable:
            self.process.kill()
            raise FunctionError(f"Task timed out after {timeout:.2f} seconds", "TimeoutError")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise FunctionCrashed(f"Runtime exited with error: exit status {self.process.returncode}")
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class LambdaHost:
    """Invokes functions in warm workers; ``crash_after`` injects a worker death for re-delivery tests."""

    def __init__(self, base_env: Mapping[str, str], workdir: Path) -> None:
        self._base_env = dict(base_env)
        self._workdir = workdir
        self._idle: dict[str, list[_Worker]] = {}
        self._busy: dict[str, list[_Worker]] = {}
        self._crash: dict[str, str] = {}
        self._duplicate: set[str] = set()
        self._warming: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._runtime_lock = threading.Lock()
        self._logs: dict[str, IO[bytes]] = {}
        self.invocations: list[tuple[str, str]] = []

    def log_path(self, function_name: str) -> Path:
        """Where a function's stdout/stderr (its "CloudWatch logs") go."""
        return self._workdir / "logs" / f"{function_name}.log"

    def log_files(self) -> list[Path]:
        """Every function log this host wrote (flushed: workers write to them directly)."""
        folder = self._workdir / "logs"
        return sorted(folder.glob("*.log")) if folder.is_dir() else []

    def crash_after(self, name_part: str, operation: str) -> None:
        """Make the next invocation of a function whose name contains ``name_part`` die right after its
        first successful ``operation`` call (e.g. ``CreateDataset``), before it can answer."""
        with self._lock:
            self._crash[name_part] = operation

    def prewarm(self, spec: FunctionSpec) -> None:
        """Start a worker and import the handler module in the background (a cold start paid in advance)."""
        if spec.runtime.startswith("python"):
            threading.Thread(target=self._warm, args=(spec,), daemon=True).start()

    def _warm(self, spec: FunctionSpec) -> None:
        with self._lock:
            if spec.key() in self._warming:
                return
            done = self._warming[spec.key()] = threading.Event()
        worker = self._checkout(spec, wait_for_warm=False)
        request = {"warm": True, "handler": spec.handler, "event": {}, "timeout_seconds": spec.timeout_seconds}
        try:
            worker.call(request, spec.timeout_seconds)
        except (FunctionError, FunctionCrashed):
            self._retire(spec, worker)
        else:
            self._checkin(spec, worker)
        finally:
            with self._lock:
                self._warming.pop(spec.key(), None)
            done.set()

    def invoke(self, spec: FunctionSpec, event: Mapping[str, Any]) -> Any:
        """Run the handler synchronously; returns its result or raises FunctionError/FunctionCrashed."""
        if not spec.runtime.startswith("python"):
            raise FunctionError(f"{spec.name}: runtime {spec.runtime} cannot run offline (Python runtimes only)")
        if self._take_duplicate(spec.name):
            self.invoke(spec, event)
        worker = self._checkout(spec)
        request = {
            "handler": spec.handler,
            "event": event,
            "request_id": str(uuid.uuid4()),
            "function_name": spec.name,
            "function_arn": spec.arn,
            "timeout_seconds": spec.timeout_seconds,
            "memory_mb": spec.memory_mb,
            "crash_after": self._take_crash(spec.name),
        }
        self.invocations.append((spec.name, str(event.get("RequestType", ""))))
        try:
            reply = worker.call(request, spec.timeout_seconds)
        except (FunctionError, FunctionCrashed):
            self._retire(spec, worker)
            raise
        self._checkin(spec, worker)
        if "error" in reply:
            raise FunctionError(reply["error"]["errorMessage"], reply["error"]["errorType"])
        return reply["result"]

    def deliver_twice(self, name_part: str) -> None:
        """Run the next invocation of a function whose name contains ``name_part`` twice with the same event
        (Lambda's at-least-once delivery); the second run's answer is the one returned."""
        with self._lock:
            self._duplicate.add(name_part)

    def _take_duplicate(self, function_name: str) -> bool:
        with self._lock:
            part = next((p for p in self._duplicate if p in function_name), None)
            if part is not None:
                self._duplicate.discard(part)
            return part is not None

    def _take_crash(self, function_name: str) -> str | None:
        with self._lock:
            part = next((p for p in self._crash if p in function_name), None)
            return self._crash.pop(part) if part is not None else None

    def _checkout(self, spec: FunctionSpec, *, wait_for_warm: bool = True) -> _Worker:
        key = spec.key()
        warming = self._warming.get(key)
        if wait_for_warm and warming is not None and not self._idle.get(key):
            warming.wait(spec.timeout_seconds)
        with self._lock:
            idle = self._idle.setdefault(key, [])
            worker = idle.pop() if idle else None
            if worker is None or worker.process.poll() is not None:
                worker = _Worker(spec, self._environment(spec), self._log(spec.name))
            self._busy.setdefault(key, []).append(worker)
        return worker

    def _checkin(self, spec: FunctionSpec, worker: _Worker) -> None:
        with self._lock:
            self._busy[spec.key()].remove(worker)
            self._idle[spec.key()].append(worker)

    def _retire(self, spec: FunctionSpec, worker: _Worker) -> None:
        with self._lock:
            self._busy[spec.key()].remove(worker)
        worker.stop()

    def _log(self, function_name: str) -> IO[bytes]:
        if function_name not in self._logs:
            path = self.log_path(function_name)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._logs[function_name] = path.open("ab")
        return self._logs[function_name]

    def _runtime_dir(self) -> Path:
        """A folder exposing only what the Lambda Python runtime provides (the AWS SDK and its dependencies),
        so a bundle that forgot a dependency fails here as it would in Lambda."""
        runtime = self._workdir / "lambda-runtime"
        with self._runtime_lock:  # not self._lock: callers hold it
            if not runtime.exists():
                staging = self._workdir / f"lambda-runtime.{uuid.uuid4().hex}"
                staging.mkdir(parents=True)
                for site_dir in map(Path, site.getsitepackages()):
                    for name in LAMBDA_RUNTIME_PACKAGES:
                        if (site_dir / name).exists() and not (staging / name).exists():
                            (staging / name).symlink_to(site_dir / name)
                staging.rename(runtime)
        return runtime

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        region = self._base_env.get("AWS_REGION", "us-east-1")
        paths = [str(spec.code_dir), str(self._runtime_dir())]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **self._base_env,
            **spec.environment,
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
        }

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers = [w for pool in itertools.chain(self._idle.values(), self._busy.values()) for w in pool]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.stop()
        for log in self._logs.values():
            log.close()


def fetch_code(s3: S3Client, code: Mapping[str, Any], cache_dir: Path) -> Path:
    """Extract a function's ``Code`` (an S3 zip, or inline ``ZipFile`` source) into a directory and return it."""
    if "ZipFile" in code:
        source = str(code["ZipFile"])
        target = cache_dir / ("inline-" + hashlib.sha256(source.encode()).hexdigest()[:16])
        with _FETCH_LOCK:
            if not target.exists():
                target.mkdir(parents=True)
                (target / "index.py").write_text(source)
        return target
    bucket, key = str(code.get("S3Bucket", "")), str(code.get("S3Key", ""))
    if not bucket or not key:
        raise RunnerError(f"function code {dict(code)!r} is neither S3Bucket/S3Key nor ZipFile")
    target = cache_dir / hashlib.sha256(f"{bucket}/{key}".encode()).hexdigest()[:16]
    with _FETCH_LOCK:
        if not target.exists():
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                archive.extractall(target)
    return target
