"""Functions' logs offline: what each handler printed or logged, kept where CloudWatch Logs would keep it.

A session's Lambda host writes each function's stdout/stderr to a local file; when the session ends they are
appended to ``logs/<function>.log`` in the runner's state bucket of the emulator's S3, so they outlive the command
(as long as the emulator does) and ``rekognition-datasets logs`` can print them. A failed resource's reason ends
with the last lines of its function's log instead of a CloudWatch log group that does not exist offline.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.state import STATE_BUCKET

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.runner.lambda_host import LambdaHost

LOG_PREFIX = "logs/"
#: Log lines a failed resource's reason ends with.
FAILURE_LINES = 10


def last_lines(text: str, count: int) -> list[str]:
    """The last ``count`` non-blank lines of ``text``."""
    return list(deque((line for line in text.splitlines() if line.strip()), maxlen=count))


def _not_traceback(line: str) -> bool:
    return not line.startswith((" ", "\t", "Traceback (most recent call last)"))


def failure_tail(host: LambdaHost, function_name: str, count: int = FAILURE_LINES) -> str:
    """The end of a failed resource's reason: the function's last log lines, without traceback frames (the
    whole log: ``rekognition-datasets logs``)."""
    path = host.log_path(function_name)
    text = path.read_text(errors="replace") if path.is_file() else ""
    lines = last_lines("\n".join(filter(_not_traceback, text.splitlines())), count)
    if not lines:
        return f"Logs: none written by /aws/lambda/{function_name}"
    shown = "\n".join(f"  {line}" for line in lines)
    return f"Last {len(lines)} log line(s) of /aws/lambda/{function_name} (all: rekognition-datasets logs):\n{shown}"


def save(s3: S3Client, host: LambdaHost) -> None:
    """Append this session's function logs to the state bucket (one object per function)."""
    for path in host.log_files():
        new = path.read_bytes()
        if not new:
            continue
        key = LOG_PREFIX + path.name
        s3.put_object(Bucket=_ensure_bucket(s3), Key=key, Body=_read(s3, key) + new)


def read(s3: S3Client, function_names: set[str] | None = None, prefix: str = "") -> dict[str, str]:
    """Function name -> its kept log, for the named functions, or for every function whose name starts with
    ``prefix``."""
    logs: dict[str, str] = {}
    try:
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=STATE_BUCKET, Prefix=LOG_PREFIX))
    except ClientError:
        return logs  # no state bucket: nothing ran yet
    for page in pages:
        for item in page.get("Contents", []):
            name = item["Key"][len(LOG_PREFIX) :].removesuffix(".log")
            if (function_names is not None and name in function_names) or (
                function_names is None and name.startswith(prefix)
            ):
                logs[name] = _read(s3, item["Key"]).decode("utf-8", errors="replace")
    return logs


def _read(s3: S3Client, key: str) -> bytes:
    try:
        return s3.get_object(Bucket=STATE_BUCKET, Key=key)["Body"].read()
    except ClientError:
        return b""


def _ensure_bucket(s3: S3Client) -> str:
    try:
        s3.head_bucket(Bucket=STATE_BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=STATE_BUCKET)
    return STATE_BUCKET
