"""Fixtures for the runner's tests: an engine on the session emulator, with tiny waits."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.runner.assets import publish
from rekognition_datasets_local.runner.clients import make_clients
from rekognition_datasets_local.runner.engine import Engine
from rekognition_datasets_local.runner.lambda_host import LambdaHost
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources.base import RunnerConfig

from .runner_toy import TOY_ASSET

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator


@pytest.fixture
def engine(emulator: Emulator, tmp_path: Path) -> Iterator[Engine]:
    """An engine whose waits are scaled to almost nothing; the toy handler's code is already published."""
    clients = make_clients(emulator.env())
    publish(clients.s3, [TOY_ASSET])
    host = LambdaHost(emulator.env(), tmp_path / "host")
    printer = Printer(io.StringIO())
    engine = Engine(clients, host, printer, tmp_path / "work", RunnerConfig(interval_factor=0.001, poll_seconds=0.01))
    yield engine
    engine.close()
    host.close()
