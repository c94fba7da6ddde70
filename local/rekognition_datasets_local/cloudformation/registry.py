"""The stacks the API knows: records by id, the current stack of each name, and the operations running on them.

A stack's runner state (in the emulator's S3) is read on every lookup; a stack deployed through the other front
door (``rekognition-datasets deploy``) gets a record the first time it is looked up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rekognition_datasets_local.cloudformation.errors import ValidationError, stack_not_found
from rekognition_datasets_local.cloudformation.events import STACK_TYPE
from rekognition_datasets_local.cloudformation.stacks import StackRecord, now

if TYPE_CHECKING:
    from collections.abc import Callable

    from rekognition_datasets_local.cloudformation.events import EventLog
    from rekognition_datasets_local.runner.state import StackState, StateStore


#: Statuses of a stack the runner holds no state for: under review, or rolled back after a failed create.
_WITHOUT_STATE = frozenset({"REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})


class StackRegistry:
    """Records, lookups and background operations; every method is thread-safe."""

    def __init__(self, store: StateStore, events: EventLog) -> None:
        self.store = store
        self.events = events
        self.lock = threading.RLock()
        self._records: dict[str, StackRecord] = {}  # by stack id
        self._current: dict[str, str] = {}  # stack name -> id of its stack that is not deleted
        self._running: dict[str, threading.Thread] = {}  # stack name -> its operation

    def observe(self, stack: str, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        """The engine Printer's observer: record the event, follow the stack's own status."""
        self.events.record(stack, logical_id, resource_type, status, reason)
        if logical_id == stack and resource_type == STACK_TYPE:
            with self.lock:
                record = self._records.get(self._current.get(stack, ""))
                if record is not None:
                    record.status = status
                    if reason:
                        record.reason = reason
                    if status == "DELETE_COMPLETE":  # gone for lookups by name from this moment
                        self.gone(record)

    def lookup(self, name_or_id: str) -> tuple[StackRecord, StackState | None]:
        """The stack's record and runner state; a deleted stack only by id (as CloudFormation)."""
        with self.lock:
            record = self._records.get(name_or_id) or self._records.get(self._current.get(name_or_id, ""))
        state = self.store.load(record.stack_name if record else name_or_id)
        if record is not None and record.deleted is None:
            if state is not None and state.stack_id != record.stack_id:
                state = None  # a different stack of the same name
            if state is None and record.status not in _WITHOUT_STATE and not self.running(record.stack_name):
                self.gone(record)  # destroyed through the other front door (``rekognition-datasets destroy``)
                return self.lookup(name_or_id)
            return record, state
        if record is not None:  # deleted, asked for by id
            return record, None
        if state is None or (name_or_id.startswith("arn:") and name_or_id != state.stack_id):
            raise stack_not_found(name_or_id)
        return self._adopt(state), state

    def find(self, name: str) -> tuple[StackRecord, StackState | None] | None:
        """``lookup``, or None when there is no such stack."""
        try:
            return self.lookup(name)
        except ValidationError:
            return None

    def _adopt(self, state: StackState) -> StackRecord:
        with self.lock:
            record = StackRecord(state.stack_id, state.stack_name, state.status)
            self._records[state.stack_id] = record
            self._current[state.stack_name] = state.stack_id
            return record

    def add(self, record: StackRecord) -> None:
        """A new stack (under review)."""
        with self.lock:
            self._records[record.stack_id] = record
            self._current[record.stack_name] = record.stack_id

    def names(self) -> list[str]:
        """Names of the stacks that are not deleted."""
        with self.lock:
            current = set(self._current)
        return sorted(set(self.store.stack_names()) | current)

    def records(self) -> list[StackRecord]:
        """Every record, deleted stacks included (after adopting the runner's stacks)."""
        for name in self.store.stack_names():
            self.find(name)
        with self.lock:
            return list(self._records.values())

    def status(self, record: StackRecord, state: StackState | None) -> str:
        """While an API operation runs, the status it reported last (the runner saves its state a step later);
        otherwise the runner's stored status, or the record's for a stack without state."""
        if state is None or (self.running(record.stack_name) and record.deleted is None):
            return record.status
        return state.status

    def gone(self, record: StackRecord) -> None:
        """The stack is deleted: DELETE_COMPLETE (an event unless the engine reported it), kept for lookups by id."""
        with self.lock:
            if record.deleted is not None:
                return
            if record.status != "DELETE_COMPLETE":
                self.events.stack_event(record.stack_name, record.stack_id, "DELETE_COMPLETE")
            record.status, record.deleted = "DELETE_COMPLETE", now()
            if self._current.get(record.stack_name) == record.stack_id:
                del self._current[record.stack_name]

    # -- operations -------------------------------------------------------------------------------------------

    def running(self, stack_name: str) -> bool:
        with self.lock:
            return stack_name in self._running

    def settle(self, stack_name: str) -> None:
        """Wait for the stack's operation if it already reported the stack's final status (it is only finishing),
        so a request that follows the status it saw is not refused as concurrent."""
        with self.lock:
            thread = self._running.get(stack_name)
            record = self._records.get(self._current.get(stack_name, ""))
            finishing = thread is not None and record is not None and record.status.endswith(("_COMPLETE", "_FAILED"))
        if finishing:
            assert thread is not None
            thread.join()

    def start(self, stack_name: str, work: Callable[[], None]) -> None:
        """Run ``work`` in a thread as the stack's one operation."""

        def run() -> None:
            try:
                work()
            finally:
                with self.lock:
                    self._running.pop(stack_name, None)

        with self.lock:
            thread = threading.Thread(target=run, name=f"cloudformation-{stack_name}", daemon=True)
            self._running[stack_name] = thread
            thread.start()

    def wait(self) -> None:
        """Wait for every running operation (when stopping)."""
        with self.lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join()
