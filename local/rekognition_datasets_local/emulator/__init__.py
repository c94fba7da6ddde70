"""A local emulator of the Rekognition Custom Labels API (datasets, models), with moto for S3, EventBridge, Lambda.

>>> import boto3, os
>>> from rekognition_datasets_local.emulator import Emulator, EmulatorConfig
>>> with Emulator(EmulatorConfig.instant()) as emulator:  # doctest: +SKIP
...     os.environ.update(emulator.env())  # AWS_ENDPOINT_URL_REKOGNITION / _S3 / ... and dummy credentials
...     arn = boto3.client("rekognition").create_project(ProjectName="flowers")["ProjectArn"]
...     emulator.faults.throttle_next(2, operation="DescribeDataset")
...     emulator.advance_time(30)  # status transitions due by then complete on the next request
...     emulator.request_log.count("CreateProject")

``rekognition-datasets emulator`` runs the same in the foreground; ``EmulatorControl(url)`` reaches a running one
from another process.
"""

from __future__ import annotations

from rekognition_datasets_local.emulator.clock import Clock
from rekognition_datasets_local.emulator.config import EmulatorConfig
from rekognition_datasets_local.emulator.control import ControlError, EmulatorControl
from rekognition_datasets_local.emulator.emulator import Emulator

__all__ = ["Clock", "ControlError", "Emulator", "EmulatorConfig", "EmulatorControl"]
