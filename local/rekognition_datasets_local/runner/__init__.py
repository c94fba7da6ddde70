"""Deploy, update and destroy synthesized CDK stacks offline against the local emulator.

``open_session()`` gives a :class:`Session` (engine, clients, printer) on the emulator the environment names,
or on an embedded one; ``Session.deploy(stack)`` / ``Session.deploy_template(path, name)`` and
``Session.engine.destroy(name)`` run the stack operations; ``CloudAssembly`` reads (and ``synthesize`` makes)
a ``cdk.out``.
"""

from __future__ import annotations

from rekognition_datasets_local.runner.assembly import CloudAssembly, StackArtifact, synthesize
from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.errors import ResourceFailed, RunnerError, TemplateError
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.session import Session, open_session
from rekognition_datasets_local.runner.template import Template

__all__ = [
    "CloudAssembly",
    "Engine",
    "ResourceFailed",
    "RunnerConfig",
    "RunnerError",
    "Session",
    "StackArtifact",
    "StackFailed",
    "Template",
    "TemplateError",
    "open_session",
    "synthesize",
]
