"""Fixtures: one LocalCloud (emulator + CloudFormation API) per module, a boto3 CloudFormation client on it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from rekognition_datasets_local.cloudformation import LocalCloud
from rekognition_datasets_local.emulator import Emulator, EmulatorConfig
from rekognition_datasets_local.runner.assets import publish
from rekognition_datasets_local.runner.clients import make_clients
from rekognition_datasets_local.runner.resources.base import RunnerConfig

from ..runner.runner_toy import TOY_ASSET

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    """The emulator with the CloudFormation API, tiny waits."""
    config = RunnerConfig(interval_factor=0.001, poll_seconds=0.01)
    with LocalCloud(Emulator(EmulatorConfig.instant()), config) as running:
        yield running
        running.emulator.reset()  # moto's state is the process's: leave none to the next test


@pytest.fixture
def cfn(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A plain boto3 CloudFormation client (the environment points it at the cloud); the toy handler's code
    published (per test: moto's S3 is shared by the process, and other tests reset it)."""
    publish(make_clients(cloud.env()).s3, [TOY_ASSET])
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name, value in cloud.env().items():
        monkeypatch.setenv(name, value)
    return boto3.client("cloudformation")
