"""One run per stack: a lock object (owner pid, host, command) next to the stack's state.

A lock whose owner is a dead process on this host is stale and taken over; a live owner's lock is waited for a
few seconds (a run that has just written its final status is still releasing it: CloudFormation accepts the next
operation as soon as a stack is COMPLETE), then refuses the second run with a message naming it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import RunnerError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_s3 import S3Client

_PREFIX = "locks/"


class StackBusy(RunnerError):
    """Another live run holds the stack's lock."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StackLocks:
    """Locks kept in the state bucket of the emulator's S3."""

    def __init__(self, s3: S3Client, bucket: str, wait_seconds: float = 5.0) -> None:
        self._s3 = s3
        self._bucket = bucket
        #: How long a second run waits for a live owner to release the lock before it is refused.
        self.wait_seconds = wait_seconds

    def _owner(self, key: str) -> dict[str, Any] | None:
        """The live owner of ``key`` once the wait is over (None when the lock is free or stale)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            owner = self._read(key)
            if owner is None or self._stale(owner) or time.monotonic() >= deadline:
                return None if owner is None or self._stale(owner) else owner
            time.sleep(0.05)

    def _read(self, key: str) -> dict[str, Any] | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None
        owner: dict[str, Any] = json.loads(body)
        return owner

    @contextlib.contextmanager
    def hold(self, stack_name: str, command: str) -> Iterator[None]:
        """Hold the stack's lock for the block; StackBusy when a live run holds it."""
        key = _PREFIX + stack_name + ".json"
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "argv": " ".join(sys.argv[:4]),
        }
        owner = self._owner(key)
        if owner is not None:
            raise StackBusy(
                f"{stack_name} is being changed by another run ({owner['command']}, pid {owner['pid']} on "
                f"{owner['host']}, since {owner['since']}); wait for it to finish, then run this command again"
            )
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=json.dumps(me).encode("utf-8"))
        if self._read(key) != me:  # another run took it between our read and write
            raise StackBusy(f"{stack_name} is being changed by another run; wait for it to finish")
        try:
            yield
        finally:
            if self._read(key) == me:
                self._s3.delete_object(Bucket=self._bucket, Key=key)

    @staticmethod
    def _stale(owner: dict[str, Any]) -> bool:
        """[infer] only a dead process on this host is provably stale; another host's lock is kept."""
        return owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", 0)))
