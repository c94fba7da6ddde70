"""The emulated EventBridge scheduler: rates, scaling, removed rules, and a bound instead of a hang."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_local.runner.eventbridge import PollingNeverEnded, ScheduledRules, rate_seconds

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator

    from .conftest import FakeClock

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:poller"


def test_rate_expressions() -> None:
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(2 minutes)") == 120
    assert rate_seconds("rate(1 hour)") == 3600
    with pytest.raises(ValueError, match="not a rate"):
        rate_seconds("cron(0 12 * * ? *)")


def schedule(name: str, expression: str, payload: str) -> None:
    events = boto3.client("events")
    events.put_rule(Name=name, ScheduleExpression=expression, State="ENABLED")
    events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": TARGET, "Input": payload}])


def test_fires_at_the_scaled_rate_until_the_handler_removes_its_rule(emulator: Emulator, clock: FakeClock) -> None:
    schedule("PollMe12345678", "rate(2 minutes)", '{"n": 1}')
    calls: list[tuple[dict[str, Any], str]] = []

    def handler(payload: dict[str, Any], context: Any) -> None:
        calls.append((payload, context))
        if len(calls) == 3:
            boto3.client("events").remove_targets(Rule="PollMe12345678", Ids=["1"])
            boto3.client("events").delete_rule(Name="PollMe12345678")

    rules = ScheduledRules(
        boto3.client("events"), handler, lambda name: name, time_scale=0.5, sleep=clock.sleep, clock=clock
    )
    assert rules.run() == 3
    assert calls == [({"n": 1}, "poller")] * 3
    assert clock.sleeps == [60.0, 60.0, 60.0]  # 2 minutes scaled by 0.5, before each firing
    assert rules.removed == ["PollMe12345678"]


def test_a_rule_that_never_goes_away_fails_instead_of_hanging(emulator: Emulator, clock: FakeClock) -> None:
    schedule("Forever12345678", "rate(1 minute)", "{}")
    rules = ScheduledRules(boto3.client("events"), lambda p, c: None, lambda n: n, sleep=clock.sleep, clock=clock)
    with pytest.raises(PollingNeverEnded, match="Forever12345678 still scheduled after 5 invocations"):
        rules.run(max_invocations=5)
    assert rules.invocations == 5
