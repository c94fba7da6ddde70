"""Stack state, kept as one JSON object per stack in a bucket of the emulator's own S3.

Keeping it there makes state and emulated resources live and die together: a restarted (empty) emulator has
no stack state either, so the runner never believes in datasets that no longer exist, or the reverse.

The state is written ahead of every step: ``changes`` journals what the operation in progress did (a change's
``new`` is written before its request is sent, with the physical id the Delete of an unanswered request uses,
and again as soon as the response names the real one), ``previous`` keeps the last stable stack an update
rolls back to, and ``cleanup`` lists the physical resources a finished operation still has to delete. So a
killed run leaves enough for the next command to resume or roll back (see ``Engine.recover``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

#: The emulator bucket that holds the runner's stack state.
STATE_BUCKET = "rekognition-datasets-runner-state"
_PREFIX = "stacks/"

#: Stack statuses a finished operation leaves (anything else is interrupted or failed and needs recovery).
STABLE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})


@dataclass
class ResourceState:
    """What the stack knows about one deployed resource."""

    logical_id: str
    type: str
    physical_id: str
    properties: dict[str, Any]
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "CREATE_COMPLETE"
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    depends_on: list[str] = field(default_factory=list)

    @property
    def retained(self) -> bool:
        return self.deletion_policy in ("Retain", "RetainExceptOnCreate")


@dataclass
class Change:
    """One step of the operation in progress: ``create``, ``update`` (in place, maybe a new id) or ``replace``."""

    logical_id: str
    action: str
    old: ResourceState | None = None
    new: ResourceState | None = None
    attempted: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Change:
        old, new = body.pop("old"), body.pop("new")
        return cls(old=ResourceState(**old) if old else None, new=ResourceState(**new) if new else None, **body)


@dataclass
class StackState:
    """A stack: its template, parameters, resources and outputs, and the journal of the operation in progress."""

    stack_name: str
    stack_id: str
    status: str
    template: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    cleanup: list[ResourceState] = field(default_factory=list)
    previous: StackState | None = None

    @property
    def stable(self) -> bool:
        """True when the last operation finished (nothing to resume, roll back or clean up)."""
        return self.status in STABLE and not self.changes and not self.cleanup

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StackState:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> StackState:
        resources = {lid: ResourceState(**r) for lid, r in body.pop("resources").items()}
        changes = [Change.from_dict(c) for c in body.pop("changes", [])]
        cleanup = [ResourceState(**r) for r in body.pop("cleanup", [])]
        previous = body.pop("previous", None)
        return cls(
            resources=resources,
            changes=changes,
            cleanup=cleanup,
            previous=cls.from_dict(previous) if previous else None,
            **body,
        )


class StateStore:
    """Reads and writes stack state in the emulator's S3."""

    def __init__(self, s3: S3Client, bucket: str = STATE_BUCKET) -> None:
        self._s3 = s3
        self.bucket = bucket

    def ensure_bucket(self) -> None:
        names = {b["Name"] for b in self._s3.list_buckets().get("Buckets", [])}
        if self.bucket not in names:
            self._s3.create_bucket(Bucket=self.bucket)

    def load(self, stack_name: str) -> StackState | None:
        """The stack's state, or None when the stack does not exist."""
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=_PREFIX + stack_name + ".json")["Body"].read()
        except (self._s3.exceptions.NoSuchKey, self._s3.exceptions.NoSuchBucket):
            return None
        return StackState.from_json(body.decode("utf-8"))

    def save(self, state: StackState) -> None:
        self.ensure_bucket()
        self._s3.put_object(
            Bucket=self.bucket, Key=_PREFIX + state.stack_name + ".json", Body=state.to_json().encode("utf-8")
        )

    def delete(self, stack_name: str) -> None:
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=_PREFIX + stack_name + ".json")
        except self._s3.exceptions.NoSuchBucket:
            return

    def stack_names(self) -> list[str]:
        """Names of every stack with state."""
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=_PREFIX)
            keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
        except self._s3.exceptions.NoSuchBucket:
            return []
        return sorted(k[len(_PREFIX) : -len(".json")] for k in keys)
