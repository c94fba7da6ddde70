"""Stack events for DescribeStackEvents, recorded from the engine's status reports (a Printer observer)."""

from __future__ import annotations

import datetime
import threading
import uuid
from dataclasses import dataclass
from typing import Any

STACK_TYPE = "AWS::CloudFormation::Stack"


@dataclass(frozen=True)
class StackEvent:
    """One status transition of a stack or of one of its resources."""

    stack_id: str
    stack_name: str
    logical_id: str
    physical_id: str
    resource_type: str
    status: str
    reason: str
    timestamp: datetime.datetime
    event_id: str

    def to_wire(self) -> dict[str, Any]:
        """The event as the ``StackEvent`` shape."""
        event: dict[str, Any] = {
            "StackId": self.stack_id,
            "EventId": self.event_id,
            "StackName": self.stack_name,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "Timestamp": self.timestamp,
            "ResourceStatus": self.status,
        }
        if self.physical_id:
            event["PhysicalResourceId"] = self.physical_id
        if self.reason:
            event["ResourceStatusReason"] = self.reason
        return event


class EventLog:
    """Every stack's events, by stack id; stack names map to the id of their current operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, list[StackEvent]] = {}
        self._ids: dict[str, str] = {}

    def bind(self, stack_name: str, stack_id: str) -> None:
        """Events reported for ``stack_name`` from now on belong to ``stack_id``."""
        with self._lock:
            self._ids[stack_name] = stack_id

    def record(self, stack: str, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        """The Printer observer: one event (ignored for a stack no API operation runs)."""
        with self._lock:
            stack_id = self._ids.get(stack)
            if stack_id is None:
                return
            is_stack = logical_id == stack and resource_type == STACK_TYPE
            physical_id = stack_id if is_stack else ""
            self._add(StackEvent(stack_id, stack, logical_id, physical_id, resource_type, status, reason, *_stamp()))

    def stack_event(self, stack_name: str, stack_id: str, status: str, reason: str = "") -> None:
        """An event of the stack itself that the engine does not report (REVIEW_IN_PROGRESS, DELETE_COMPLETE...)."""
        with self._lock:
            self._add(StackEvent(stack_id, stack_name, stack_name, stack_id, STACK_TYPE, status, reason, *_stamp()))

    def _add(self, event: StackEvent) -> None:
        self._events.setdefault(event.stack_id, []).append(event)

    def newest_first(self, stack_id: str) -> list[StackEvent]:
        """The stack's events, newest first (as DescribeStackEvents lists them)."""
        with self._lock:
            return list(reversed(self._events.get(stack_id, [])))


def _stamp() -> tuple[datetime.datetime, str]:
    """A new event's timestamp and id."""
    return datetime.datetime.now(datetime.UTC), str(uuid.uuid4())
