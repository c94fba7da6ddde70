"""A runner session: the emulator to talk to (from the environment, or embedded), clients, workers and engine."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner import logs
from rekognition_datasets_local.runner.assets import publish, read_file_assets
from rekognition_datasets_local.runner.clients import ENDPOINT_VARIABLES, Clients, make_clients
from rekognition_datasets_local.runner.engine import ACCOUNT_ID, Engine
from rekognition_datasets_local.runner.lambda_host import LambdaHost
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.package import package
from rekognition_datasets_local.runner.template import Template

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from rekognition_datasets_local.runner.assembly import StackArtifact
    from rekognition_datasets_local.runner.resources.base import RunnerConfig
    from rekognition_datasets_local.runner.state import StackState

#: Variables a Lambda worker inherits from the session (endpoints, credentials, region); nothing else leaks in.
_PASSED_TO_FUNCTIONS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass
class Session:
    """What a command works with."""

    engine: Engine
    clients: Clients
    printer: Printer
    embedded: Any | None

    def deploy(self, stack: StackArtifact, stack_name: str | None = None) -> StackState:
        """Publish the stack's file assets, then create or update it."""
        name = stack_name or stack.stack_name
        if stack.assets_path is not None:
            assets = read_file_assets(stack.assets_path, account=ACCOUNT_ID, region=self.clients.region)
            uploaded = publish(self.clients.s3, assets)
            if uploaded:
                self.printer.line(f"{name}: published {uploaded} asset(s) to the emulator's S3")
        return self.engine.deploy(name, stack.template())

    def deploy_template(self, path: Path, stack_name: str, parameters: Mapping[str, str] | None = None) -> StackState:
        """Package a plain CloudFormation template's local code, then create or update it.

        The template is passed inline (TemplateBody, as ``aws cloudformation deploy`` without ``--s3-bucket``):
        its file's size counts against the 51,200-byte quota."""
        source = Template.from_file(path)
        packaged = package(source.body, path.parent, self.clients.s3)
        return self.engine.deploy(stack_name, Template.from_dict(packaged, size=source.size), parameters)


def function_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The part of ``env`` a Lambda worker gets: endpoints, dummy credentials, region."""
    return {k: v for k, v in env.items() if k.startswith("AWS_ENDPOINT_URL") or k in _PASSED_TO_FUNCTIONS}


def emulator_in(env: Mapping[str, str]) -> bool:
    """True when ``env`` points at a running emulator (Rekognition and S3 endpoints both set)."""
    return bool(env.get(ENDPOINT_VARIABLES["rekognition"]) and env.get(ENDPOINT_VARIABLES["s3"]))


@contextlib.contextmanager
def open_session(
    *,
    env: Mapping[str, str] | None = None,
    config: RunnerConfig | None = None,
    emulator_config: Any | None = None,
    printer: Printer | None = None,
    workdir: Path | None = None,
) -> Iterator[Session]:
    """Use the emulator ``env`` points at, or start an embedded one for the duration of the session."""
    base = dict(os.environ if env is None else env)
    with contextlib.ExitStack() as stack:
        embedded = None
        if not emulator_in(base):
            from rekognition_datasets_local.emulator import Emulator

            embedded = stack.enter_context(Emulator(emulator_config))
            base = {**base, **embedded.env()}
        base.setdefault("AWS_ACCESS_KEY_ID", "testing")
        base.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        base.setdefault("AWS_REGION", base.get("AWS_DEFAULT_REGION", "us-east-1"))
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rekognition-runner-")))
        clients = make_clients(base)
        host = LambdaHost(function_environment(base), root / "host")
        stack.callback(host.close)
        stack.callback(logs.save, clients.s3, host)
        out = printer or Printer()
        engine = Engine(clients, host, out, root / "work", config)
        stack.callback(engine.close)
        yield Session(engine=engine, clients=clients, printer=out, embedded=embedded)
