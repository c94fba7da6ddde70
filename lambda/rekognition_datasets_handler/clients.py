"""Lazily created boto3 clients with a deliberate retry and timeout configuration.

Endpoints come from the standard ``AWS_ENDPOINT_URL_REKOGNITION`` / ``AWS_ENDPOINT_URL_S3`` variables, which
botocore honours, so the same code talks to AWS or to the local emulator. Clients are cached per environment
(region + endpoints), so nothing touches the network at import time and a changed environment gets new clients.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from rekognition_datasets_handler.errors import ProviderError

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

#: CreateDataset gained ``Tags`` in botocore 1.35.0 (August 2024); older runtimes must bundle a newer botocore.
MIN_BOTOCORE = (1, 35)
#: Attempts per call made by botocore itself (standard mode: throttling and 5xx, with backoff); our own budgeted
#: loop (``rekognition_datasets_handler.retry``) retries whole idempotent steps on top.
#: ``AWS_MAX_ATTEMPTS`` overrides it.
DEFAULT_MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30

_ENV_KEYS = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_REKOGNITION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_EVENTS",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SCHEDULER",
    "AWS_MAX_ATTEMPTS",
    "AWS_ACCESS_KEY_ID",
)


class Clients(NamedTuple):
    """The two clients the reconcilers use."""

    rekognition: RekognitionClient
    s3: S3Client


def check_botocore(version: str) -> None:
    """Fail with a clear message when ``version`` predates CreateDataset ``Tags``."""
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_BOTOCORE:
        raise ProviderError(
            f"botocore {version} is too old: CreateDataset needs Tags (botocore >= 1.35); "
            "use the python3.13 runtime or later, or bundle boto3 with the function."
        )


def get_clients() -> Clients:
    """Clients for the current environment (created on first use, then cached)."""
    return _clients_for(tuple(os.environ.get(k) for k in _ENV_KEYS))


def get_events_client() -> EventBridgeClient:
    """An EventBridge client for the current environment (the model watch rules; created on first use)."""
    return _events_client_for(tuple(os.environ.get(k) for k in _ENV_KEYS))


def get_scheduler_client() -> EventBridgeSchedulerClient:
    """An EventBridge Scheduler client for the current environment (auto-stop schedules; created on first use)."""
    return _scheduler_client_for(tuple(os.environ.get(k) for k in _ENV_KEYS))


def _config() -> Config:
    import botocore
    from botocore.config import Config

    check_botocore(botocore.__version__)
    attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return Config(
        retries={
            "mode": "standard",
            "total_max_attempts": int(attempts) if attempts.isdigit() else DEFAULT_MAX_ATTEMPTS,
        },
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=8)
def _clients_for(env: tuple[str | None, ...]) -> Clients:
    import boto3

    config = _config()
    session = boto3.session.Session()
    return Clients(
        rekognition=session.client("rekognition", config=config),
        s3=session.client("s3", config=config),
    )


@lru_cache(maxsize=8)
def _events_client_for(env: tuple[str | None, ...]) -> EventBridgeClient:
    import boto3

    return boto3.session.Session().client("events", config=_config())


@lru_cache(maxsize=8)
def _scheduler_client_for(env: tuple[str | None, ...]) -> EventBridgeSchedulerClient:
    import boto3

    return boto3.session.Session().client("scheduler", config=_config())
