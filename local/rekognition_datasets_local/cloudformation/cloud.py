"""``LocalCloud``: the emulator with the CloudFormation API mounted on it, backed by a runner session's engine."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rekognition_datasets_local.cloudformation.app import CloudFormationApp
from rekognition_datasets_local.cloudformation.service import CloudFormationService
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.session import open_session

if TYPE_CHECKING:
    from types import TracebackType

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.session import Session

#: Offline, a provider's 5 s query interval takes 0.5 s (as ``rekognition-datasets deploy`` runs it).
DEFAULT_INTERVAL_FACTOR = 0.1


class LocalCloud:
    """A started emulator that also serves CloudFormation (use as a context manager, or ``start()``/``stop()``).

    ``env()`` adds ``AWS_ENDPOINT_URL_CLOUDFORMATION`` (the Rekognition endpoint, which routes requests signed for
    CloudFormation to the API) to the emulator's variables, so the CDK CLI deploys against it unmodified.
    """

    def __init__(self, emulator: Emulator, config: RunnerConfig | None = None) -> None:
        self.emulator = emulator
        self._config = config or RunnerConfig(interval_factor=DEFAULT_INTERVAL_FACTOR)
        self._stack = contextlib.ExitStack()
        self.session: Session | None = None
        self.service: CloudFormationService | None = None

    def start(self) -> LocalCloud:
        with contextlib.ExitStack() as stack:
            stack.enter_context(self.emulator)
            self.session = stack.enter_context(
                open_session(env=self.emulator.env(), config=self._config, printer=Printer(quiet=True))
            )
            self.service = CloudFormationService(self.session.engine)
            stack.callback(self.service.wait)
            self.emulator.mount("cloudformation", CloudFormationApp(self.service))
            self._stack = stack.pop_all()
        return self

    def stop(self) -> None:
        self._stack.close()

    def env(self) -> dict[str, str]:
        """The emulator's variables plus the CloudFormation endpoint."""
        env = self.emulator.env()
        return {**env, "AWS_ENDPOINT_URL_CLOUDFORMATION": env["AWS_ENDPOINT_URL_REKOGNITION"]}

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
