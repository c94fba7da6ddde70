"""boto3 clients for the emulator, built from an explicit environment (never from this process's os.environ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from rekognition_datasets_local.runner.errors import ResourceFailed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_s3 import S3Client

#: The environment variables that point AWS SDKs at the emulator.
ENDPOINT_VARIABLES = {
    "rekognition": "AWS_ENDPOINT_URL_REKOGNITION",
    "s3": "AWS_ENDPOINT_URL_S3",
    "events": "AWS_ENDPOINT_URL_EVENTS",
    "lambda": "AWS_ENDPOINT_URL_LAMBDA",
}
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)


@dataclass(frozen=True)
class Clients:
    """The emulator's clients and the environment they were built from."""

    env: Mapping[str, str]
    rekognition: RekognitionClient
    s3: S3Client
    events: EventBridgeClient | None
    lambda_: LambdaClient | None

    def iam(self) -> Any:  # boto3-stubs[iam] is not a dependency
        """IAM of the emulator's moto server (``AWS_ENDPOINT_URL_IAM``, else the Lambda endpoint: one moto
        server answers every service)."""
        endpoint = self.env.get("AWS_ENDPOINT_URL_IAM") or self.env.get(ENDPOINT_VARIABLES["lambda"])
        return _session(self.env).client("iam", endpoint_url=endpoint, config=_CONFIG)

    def presigning_s3(self) -> S3Client:
        """S3 of the emulator with path-style URLs (what the runner presigns must reach ``127.0.0.1``)."""
        config = _CONFIG.merge(Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
        return _session(self.env).client("s3", endpoint_url=self.env.get(ENDPOINT_VARIABLES["s3"]), config=config)

    def ssm(self) -> Any:  # boto3-stubs[ssm] is not a dependency
        """SSM of the emulator's moto server (``AWS_ENDPOINT_URL_SSM``, else the Lambda endpoint)."""
        endpoint = self.env.get("AWS_ENDPOINT_URL_SSM") or self.env.get(ENDPOINT_VARIABLES["lambda"])
        if not endpoint:
            raise ResourceFailed("no SSM endpoint offline: set AWS_ENDPOINT_URL_SSM (the emulator prints it)")
        return _session(self.env).client("ssm", endpoint_url=endpoint, config=_CONFIG)

    @property
    def region(self) -> str:
        return self.env.get("AWS_REGION") or self.env.get("AWS_DEFAULT_REGION") or "us-east-1"


def _session(env: Mapping[str, str]) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "testing"),
        region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
    )


def make_clients(env: Mapping[str, str]) -> Clients:
    """Clients for the endpoints in ``env`` (``AWS_ENDPOINT_URL_*``, credentials, region)."""
    session = _session(env)

    def endpoint(service: str) -> str | None:
        return env.get(ENDPOINT_VARIABLES[service])

    return Clients(
        env=dict(env),
        rekognition=session.client("rekognition", endpoint_url=endpoint("rekognition"), config=_CONFIG),
        s3=session.client("s3", endpoint_url=endpoint("s3"), config=_CONFIG),
        events=session.client("events", endpoint_url=endpoint("events"), config=_CONFIG)
        if endpoint("events")
        else None,
        lambda_=session.client("lambda", endpoint_url=endpoint("lambda"), config=_CONFIG)
        if endpoint("lambda")
        else None,
    )
