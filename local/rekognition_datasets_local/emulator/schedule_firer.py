"""Runs the emulated EventBridge Scheduler's due one-time schedules, on the emulator's clock, from a daemon thread.

A schedule whose ``at()`` time has come and whose target is
the Rekognition StopProjectVersion universal target calls the emulator's own StopProjectVersion with the target's
Input, logged as the Rekognition call it is. A throttled or failed-inside call is retried on the next tick, as
Scheduler retries [doc: RetryPolicy]; any other refusal ends the run [infer: Scheduler drops a non-retryable
invocation, to a dead-letter queue if one is set]. Then ActionAfterCompletion DELETE deletes the schedule; NONE keeps
it, run once.

Clients write ``at()`` in wall time (they cannot know the emulator's clock), so a schedule is due once the emulator's
clock has passed its time plus the clock's ``offset`` when it was saved: ``advance_time`` after a schedule is made
brings it forward by that much, and time moved before it does not make it fire early.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.emulator.exceptions import (
    InternalServerError,
    ProvisionedThroughputExceededException,
    RekognitionError,
    ThrottlingException,
)
from rekognition_datasets_local.emulator.schedule_rules import STOP_TARGET, at_time, stop_request

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rekognition_datasets_local.emulator.clock import Clock
    from rekognition_datasets_local.emulator.request_log import RequestLog

#: Real seconds between two looks at the schedules.
TICK_SECONDS = 0.05
RETRIED = (ThrottlingException, ProvisionedThroughputExceededException, InternalServerError)
_LOG = logging.getLogger(__name__)


def _groups() -> Iterator[Any]:
    """Every schedule group of moto's scheduler backends (every account and region in use)."""
    from moto.scheduler.models import scheduler_backends

    for account in list(dict.values(scheduler_backends)):
        for backend in list(dict.values(account)):
            yield from list(backend.schedule_groups.values())


def _due(schedule: Any) -> float | None:
    """Epoch seconds a one-time schedule is due; None for recurring ones or (made behind the front's back) bad ones."""
    try:
        return at_time(schedule.schedule_expression, schedule.schedule_expression_timezone)
    except RekognitionError:
        return None


class ScheduleFirer:
    """Fires due schedules: ``fire_due()`` once, or ``start()`` a thread that calls it every ``TICK_SECONDS``."""

    def __init__(
        self,
        clock: Clock,
        stop_version: Callable[[str], object],
        log: RequestLog,
        check_faults: Callable[[str], None],
    ) -> None:
        self._clock = clock
        self._stop_version = stop_version
        self._log = log
        self._check_faults = check_faults
        self._ran: set[str] = set()
        #: (group, name) -> the clock's offset when the schedule was last saved.
        self._offsets: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler-firer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def saved(self, group: str, name: str) -> None:
        """Note that a schedule was created or updated now (its ``at()`` counts from the clock's offset now)."""
        with self._lock:
            self._offsets[(group, name)] = self._clock.offset

    def reset(self) -> None:
        """Forget which kept (ActionAfterCompletion NONE) schedules have run, and when schedules were saved."""
        with self._lock:
            self._ran.clear()
            self._offsets.clear()

    def fire_due(self) -> int:
        """Run every due schedule once; returns how many ran to the end (stopped, or refused for good)."""
        with self._lock:
            now, fired = self._clock.now(), 0
            for group in _groups():
                for schedule in list(group.schedules.values()):
                    key = f"{schedule.arn}@{schedule.creation_date}"
                    if schedule.state != "ENABLED" or key in self._ran or schedule.target.get("Arn") != STOP_TARGET:
                        continue
                    due = _due(schedule)
                    if due is not None:
                        due += self._offsets.get((group.name, schedule.name), 0.0)
                    if due is None or due > now or not self._invoke(schedule.target.get("Input"), now):
                        continue
                    fired += 1
                    if schedule.action_after_completion == "DELETE":
                        group.schedules.pop(schedule.name, None)
                    else:
                        self._ran.add(key)
            return fired

    def _invoke(self, text: str | None, now: float) -> bool:
        """StopProjectVersion with the target's Input; False when it is to be retried."""
        params: dict[str, Any] = {"Input": text}
        try:
            params = {"ProjectVersionArn": stop_request(text)}
            self._check_faults("StopProjectVersion")
            self._stop_version(params["ProjectVersionArn"])
            outcome = "OK"
        except RETRIED as error:
            self._log.record("StopProjectVersion", params, error.code, now)
            return False
        except RekognitionError as error:
            outcome = error.code
        self._log.record("StopProjectVersion", params, outcome, now)
        return True

    def _loop(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.fire_due()
            except Exception:  # the thread must outlive any one bad schedule
                _LOG.exception("the emulator's scheduler could not run its due schedules")
