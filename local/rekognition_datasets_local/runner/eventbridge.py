"""Emulated EventBridge scheduled rules, for handlers (crhelper) that poll through ``rate(...)`` rules.

The rules and their Lambda targets live in the moto server (created by the handler with ``events:PutRule`` /
``PutTargets``); ``ScheduledRules`` reads them back and invokes a handler callable with each target's ``Input``
when the rule's rate, multiplied by ``time_scale``, has elapsed. A rule the handler deleted is noticed on the next
read and never fires again. Runs are bounded by a number of invocations, so a handler that never stops polling
fails loudly instead of hanging.

Two uses: crhelper's polling (run until the handler removed its rules), and the rules a stack's functions put
while a wait condition waits (``function_arns`` limits the firing to the stack's functions; run ``until`` the
condition is met or its ``deadline`` passes).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_events import EventBridgeClient

RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
#: Rules live in one shared backend, and EventBridge fires each once per period: one firing loop at a time.
FIRING = threading.Lock()


class PollingNeverEnded(RuntimeError):
    """The handler kept its polling rule after the maximum number of invocations."""


class DeadlineReached(RuntimeError):
    """``until`` did not become true before the deadline."""


def rate_seconds(expression: str) -> float:
    """Seconds between two firings of a ``rate(N unit)`` schedule expression."""
    match = RATE.match(expression.strip())
    if match is None:
        raise ValueError(f"not a rate() schedule expression: {expression!r}")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2).rstrip("s")]


@dataclass(frozen=True)
class ScheduledRule:
    """An enabled ``rate(...)`` rule with its targets' inputs (Lambda targets only)."""

    name: str
    interval_seconds: float
    function_arns: tuple[str, ...]
    inputs: tuple[dict[str, Any], ...]


@dataclass
class ScheduledRules:
    """Fires the scheduled rules found in the events backend, invoking ``handler(input, context)`` per target."""

    events: EventBridgeClient
    handler: Callable[[dict[str, Any], Any], object]
    context_factory: Callable[[str], Any]
    time_scale: float = 0.001
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    #: Fire only targets with these function ARNs (None: every Lambda target).
    function_arns: frozenset[str] | None = None
    removed: list[str] = field(default_factory=list)
    invocations: int = 0

    def current(self) -> dict[str, ScheduledRule]:
        """The enabled scheduled rules now in the backend, by name."""
        rules: dict[str, ScheduledRule] = {}
        for page in self.events.get_paginator("list_rules").paginate():
            for rule in page.get("Rules", []):
                expression = rule.get("ScheduleExpression")
                if not expression or rule.get("State") != "ENABLED":
                    continue
                targets = self.events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", [])
                lambda_targets = [t for t in targets if ":lambda:" in t["Arn"] and self._fires(t["Arn"])]
                if not lambda_targets:
                    continue
                rules[rule["Name"]] = ScheduledRule(
                    name=rule["Name"],
                    interval_seconds=rate_seconds(expression),
                    function_arns=tuple(t["Arn"] for t in lambda_targets),
                    inputs=tuple(json.loads(t.get("Input") or "{}") for t in lambda_targets),
                )
        return rules

    def _fires(self, arn: str) -> bool:
        return self.function_arns is None or arn in self.function_arns

    def run(
        self,
        max_invocations: int = 100,
        *,
        until: Callable[[], bool] | None = None,
        deadline: float | None = None,
        check_seconds: float = 1.0,
    ) -> int:
        """Fire rules on schedule; returns the number of handler invocations made.

        Without ``until``: until no rule is left. With it: until ``until()`` is true (checked at least every
        ``check_seconds``, scaled), whether or not rules exist; past ``deadline`` (on ``clock``) raises
        DeadlineReached.
        """
        due: dict[str, float] = {}
        start = self.invocations
        while True:
            if until is not None and until():
                return self.invocations - start
            rules = self.current()
            for name in set(due) - set(rules):
                self.removed.append(name)
                del due[name]
            if not rules and until is None:
                return self.invocations - start
            now = self.clock()
            if deadline is not None and now >= deadline:
                raise DeadlineReached(f"still waiting at the deadline ({len(rules)} rule(s) scheduled)")
            for name, rule in rules.items():
                due.setdefault(name, now + rule.interval_seconds * self.time_scale)
            wake = min(due.values(), default=float("inf"))
            if until is not None:
                wake = min(wake, now + check_seconds * self.time_scale)
            if deadline is not None:
                wake = min(wake, deadline)
            if wake > now:
                self.sleep(wake - now)
                continue
            name = min(due, key=due.__getitem__)
            if self.invocations - start >= max_invocations:
                raise PollingNeverEnded(f"rule {name} still scheduled after {max_invocations} invocations")
            rule = rules[name]
            for arn, payload in zip(rule.function_arns, rule.inputs, strict=True):
                self.invocations += 1
                self.handler(payload, self.context_factory(arn.rsplit(":", 1)[-1]))
            due[name] = self.clock() + rule.interval_seconds * self.time_scale
