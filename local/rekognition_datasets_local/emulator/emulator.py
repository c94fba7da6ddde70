"""``Emulator``: the Rekognition Custom Labels API (datasets, models), EventBridge Scheduler (one-time schedules that
stop a model) and a moto server (S3, EventBridge, Lambda)."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import socket
import urllib.request
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from rekognition_datasets_local.emulator import content
from rekognition_datasets_local.emulator.backend import RekognitionBackend
from rekognition_datasets_local.emulator.clock import Clock
from rekognition_datasets_local.emulator.config import EmulatorConfig
from rekognition_datasets_local.emulator.control import LOOPBACK
from rekognition_datasets_local.emulator.exceptions import InvalidS3ObjectException
from rekognition_datasets_local.emulator.faults import Faults
from rekognition_datasets_local.emulator.request_log import RequestLog
from rekognition_datasets_local.emulator.responses import RekognitionResponse
from rekognition_datasets_local.emulator.schedule_firer import ScheduleFirer
from rekognition_datasets_local.emulator.scheduler_app import SchedulerApp
from rekognition_datasets_local.emulator.server import EmulatorApp, ThreadedServer

if TYPE_CHECKING:
    from types import TracebackType

#: Dummy credentials: botocore needs some to sign; the emulator and moto accept any.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the emulator serves on loopback only: use 127.0.0.1, not {host!r}")


def _ensure_free(host: str, port: int) -> None:
    """Raise ``OSError`` if ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        probe.bind((host, port))


class Emulator:
    """A running emulator (use as a context manager, or ``start()``/``stop()``).

    ``rekognition_url`` serves the Custom Labels API (datasets and models); ``s3_url`` is a moto server that also
    answers EventBridge and Lambda. Requests signed for ``scheduler`` go to the Rekognition endpoint (validated, then
    served by moto's scheduler backend), and ``scheduler`` (a ``ScheduleFirer``) runs the due schedules. ``env()``
    gives the variables that point unmodified boto3 clients at all of them.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        s3_port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        _require_loopback(host)
        self._host, self._port, self._s3_port = host, port, s3_port
        self._initial_config = config or EmulatorConfig()
        self.clock = clock or Clock()
        self.request_log = RequestLog()
        self.faults = Faults(delete_dataset=self._delete_out_of_band)
        self.backend = RekognitionBackend(
            self._initial_config, self.clock, self.faults, self._read_object, self._write_object
        )
        self.app = EmulatorApp(
            RekognitionResponse(self.backend), self.faults, self.request_log, self.clock, self.reset, self.configure
        )
        self.scheduler = ScheduleFirer(
            self.clock, self.backend.models.stop_project_version, self.request_log, self.faults.check
        )
        self.app.mount("scheduler", SchedulerApp(self.faults, self.request_log, self.clock, self.scheduler.saved))
        self._server: ThreadedServer | None = None
        self._moto: Any = None
        self._s3: Any = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        from moto.server import ThreadedMotoServer

        # Fail fast on a taken port: werkzeug exits the process, and moto's server thread dies and start() hangs.
        for port in (self._port, self._s3_port):
            if port:
                _ensure_free(self._host, port)
        server = ThreadedServer(self.app, self._host, self._port)
        # moto's request handler logs every request through werkzeug's logger even with verbose=False.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = ThreadedMotoServer(ip_address=self._host, port=self._s3_port, verbose=False)
        self._moto.start()
        self._s3 = boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            region_name=self.config.region,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        self._server = server
        self._server.start()
        self.scheduler.start()
        return self

    def mount(self, service: str, app: Any) -> None:
        """Also serve ``service`` (requests signed for it) on the Rekognition endpoint with the WSGI ``app``."""
        self.app.mount(service, app)

    def stop(self) -> None:
        self.scheduler.stop()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- endpoints -----------------------------------------------------------------------------------------

    @property
    def rekognition_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return self._server.url

    @property
    def s3_url(self) -> str:
        if self._moto is None:
            raise RuntimeError("the emulator is not running: call start() first")
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """Environment that points boto3 at the emulator (botocore honours ``AWS_ENDPOINT_URL_<SERVICE>``)."""
        return {
            "AWS_ENDPOINT_URL_REKOGNITION": self.rekognition_url,
            "AWS_ENDPOINT_URL_S3": self.s3_url,
            # botocore reads EVENTBRIDGE (EventBridge's service id); EVENTS is the name the tools document.
            "AWS_ENDPOINT_URL_EVENTS": self.s3_url,
            "AWS_ENDPOINT_URL_EVENTBRIDGE": self.s3_url,
            "AWS_ENDPOINT_URL_LAMBDA": self.s3_url,
            # EventBridge Scheduler: validated here, then served by moto's backend in this process.
            "AWS_ENDPOINT_URL_SCHEDULER": self.rekognition_url,
            # moto also answers STS (the CDK CLI's GetCallerIdentity and AssumeRole), SSM and IAM.
            "AWS_ENDPOINT_URL_STS": self.s3_url,
            "AWS_ENDPOINT_URL_SSM": self.s3_url,
            "AWS_ENDPOINT_URL_IAM": self.s3_url,
            **DUMMY_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.config.region,
            "AWS_REGION": self.config.region,
        }

    # -- state ---------------------------------------------------------------------------------------------

    @property
    def config(self) -> EmulatorConfig:
        return self.backend.config

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Replace config fields (e.g. ``dataset_create_delay=5``, ``training_f1=0.7``) until the next ``reset()``."""
        self.backend.config = dataclasses.replace(self.backend.config, **changes)
        return self.backend.config

    def advance_time(self, seconds: float) -> None:
        """Move the emulator's clock forward: transitions due by then complete on the next request."""
        self.clock.advance(seconds)

    def reset(self) -> None:
        """Forget every project, dataset, fault and logged request; reset moto; restore the initial config."""
        self.backend.reset()
        self.backend.config = self._initial_config
        self.faults.clear()
        self.request_log.clear()
        self.clock.reset()
        self.scheduler.reset()
        if self._moto is not None:
            with LOOPBACK.open(urllib.request.Request(f"{self.s3_url}/moto-api/reset", method="POST")):
                pass

    def _delete_out_of_band(self, arn: str) -> None:
        self.backend.delete_dataset_out_of_band(arn)

    def _read_object(self, bucket: str, key: str, version: str | None) -> bytes:
        if self._s3 is None:
            raise InvalidS3ObjectException("S3 is not running: start the emulator to read manifests.")
        extra = {"VersionId": version} if version else {}
        try:
            # The metadata check is synchronous (InvalidS3ObjectException); the size limit fails the import.
            if content.too_large(self._s3.head_object(Bucket=bucket, Key=key, **extra)["ContentLength"]):
                raise content.ManifestTooLarge(f"s3://{bucket}/{key}")
            body: bytes = self._s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
        except (ClientError, BotoCoreError):
            raise InvalidS3ObjectException() from None
        return body

    def _write_object(self, bucket: str, key: str, body: bytes) -> None:
        """Write a training's results to S3 (``OSError`` when it cannot: the training then fails)."""
        if self._s3 is None:
            raise OSError("S3 is not running")
        try:
            self._s3.put_object(Bucket=bucket, Key=key, Body=body)
        except (ClientError, BotoCoreError) as error:
            raise OSError(str(error)) from None
