"""Deploy, update and destroy synthesized CDK stacks offline against the local emulator."""

from __future__ import annotations

from rekognition_runner.engine import Engine, StackFailed
from rekognition_runner.errors import ResourceFailed, RunnerError, TemplateError
from rekognition_runner.resources.base import RunnerConfig
from rekognition_runner.template import Template

__all__ = ["Engine", "ResourceFailed", "RunnerConfig", "RunnerError", "StackFailed", "Template", "TemplateError"]
