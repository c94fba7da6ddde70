"""Shared fixtures: a local Rekognition + S3 emulator per test session, fresh state per test.

``emulator`` resets the emulator's state (projects, datasets, faults, request log, clock, moto's S3/EventBridge/
Lambda) and exports the ``AWS_ENDPOINT_URL_*`` variables, so a plain ``boto3.client("rekognition")`` or
``boto3.client("s3")`` inside the test talks to it. Transitions are instant unless a test calls
``emulator.configure(dataset_create_delay=...)`` and moves time with ``emulator.advance_time(...)``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.emulator import Emulator

#: Variables that could send a test's boto3 clients somewhere other than the emulator.
_ISOLATED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL")


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """One running emulator per test session (per xdist worker), with instant transitions."""
    from rekognition_datasets_local.emulator import Emulator, EmulatorConfig

    with Emulator(EmulatorConfig.instant()) as running:
        yield running


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The session's emulator, reset, with the environment pointing boto3 at it."""
    emulator_server.reset()
    for name in _ISOLATED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name, value in emulator_server.env().items():
        monkeypatch.setenv(name, value)
    return emulator_server


@pytest.fixture
def rekognition(emulator: Emulator) -> RekognitionClient:
    """A boto3 Rekognition client talking to the emulator."""
    return boto3.client("rekognition")


@pytest.fixture
def s3(emulator: Emulator) -> S3Client:
    """A boto3 S3 client talking to the emulator's moto server."""
    return boto3.client("s3")
