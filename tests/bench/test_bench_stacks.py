"""Reading the Provider framework's waiter retry policy out of a synthesized template."""

from __future__ import annotations

import pytest
from bench.measure import BenchError
from bench.stacks import waiter_retry


def test_waiter_retry_reads_interval_and_attempts_from_the_joined_definition() -> None:
    parts = [
        '{"StartAt":"x","States":{"x":{"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,',
        '"MaxAttempts":300,"BackoffRate":1}],"Resource":"',
        {"Fn::GetAtt": ["IsComplete", "Arn"]},
        '"}}}',
    ]
    machine = {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"DefinitionString": {"Fn::Join": ["", parts]}},
    }
    assert waiter_retry({"Resources": {"Waiter": machine}}) == (10, 300)


def test_waiter_retry_without_a_waiter_fails() -> None:
    with pytest.raises(BenchError, match="no waiter"):
        waiter_retry({"Resources": {}})
