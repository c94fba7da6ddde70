"""Run one chaos step in its own process, so the runner can be SIGKILLed at a known step.

``python -m e2e.chaos_run <assembly> <artifact|-> <deploy|destroy>`` (with ``tests`` on ``PYTHONPATH``) deploys
the artifact (or destroys stack Chaos) on the emulator the environment points at; the runner kills itself at
the step ``REKOGNITION_RUNNER_KILL_AT`` names (exit -9), fails with exit 1 on a failed deploy, or exits 0.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from rekognition_datasets_local.runner.assembly import CloudAssembly
from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.session import open_session

from .chaos_model import STACK
from .conftest import CONFIG


def main(assembly: str, artifact: str, command: str) -> int:
    with open_session(env=os.environ, config=CONFIG, printer=Printer(io.StringIO())) as session:
        try:
            if command == "destroy":
                session.engine.destroy(STACK)
            else:
                (stack,) = [s for s in CloudAssembly.read(Path(assembly)).stacks if s.artifact_id == artifact]
                session.deploy(stack)
        except StackFailed as failed:
            print(failed.status, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
