"""A runner killed (SIGKILL) while the real handler creates a dataset: destroy adopts what it made (issue 11.4).

The runner journals a made-up physical id before it sends a Create; the handler, given that id on Delete, finds
the dataset in its slot and proves it the stack's own by its ownership tags. Nothing is orphaned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from .conftest import NODE, ok_calls

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e

#: Upper bound on waiting for the killed run to reach CreateDataset (it gets there in seconds).
_PATIENCE_S = 120.0


def test_a_run_killed_while_a_dataset_is_created_is_destroyed_leaving_nothing(
    runner: Session, assembly: CloudAssembly, emulator: Emulator
) -> None:
    # GIVEN a deploy in another process whose dataset stays CREATE_IN_PROGRESS (service time does not pass)
    emulator.configure(dataset_create_delay=600.0)
    argv = [
        sys.executable,
        "-m",
        "rekognition_datasets_local.cli.main",
        "deploy",
        "--assembly",
        str(assembly.directory),
    ]
    env = {**os.environ, **emulator.env(), "PATH": f"{NODE}{os.pathsep}{os.environ.get('PATH', '')}"}
    with subprocess.Popen([*argv, "Single", "--interval-factor", "0.001"], env=env, stdout=subprocess.DEVNULL) as run:
        # WHEN it is killed once the handler has sent CreateDataset
        deadline = time.monotonic() + _PATIENCE_S
        while not ok_calls(emulator, "CreateDataset") and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ok_calls(emulator, "CreateDataset"), "the deploy never reached CreateDataset"
        run.kill()
    emulator.advance_time(600.0)
    # THEN destroy finishes: the dataset the killed create made and the project are deleted
    assert runner.engine.destroy("Single")
    assert len(ok_calls(emulator, "DeleteDataset")) == 1
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []
    assert runner.engine.store.load("Single") is None
