"""A local emulator of the Amazon Rekognition Custom Labels dataset API, with moto for S3."""

from __future__ import annotations

from rekognition_emulator.clock import Clock
from rekognition_emulator.config import EmulatorConfig
from rekognition_emulator.emulator import Emulator

__all__ = ["Clock", "Emulator", "EmulatorConfig"]
