"""Named points of a stack operation, so tests (and chaos runs) can kill the runner at a known step.

The engine calls its ``on_step`` hook with names such as ``create Bucket`` (state written, request not sent
yet), ``created Bucket`` (response received, not yet recorded), ``update X``/``updated X``, ``delete X``/
``deleted X``, ``rollback-update X``/``rollback-updated X`` and ``stack UPDATE_ROLLBACK_IN_PROGRESS``.
``REKOGNITION_RUNNER_KILL_AT=<step>`` makes the runner SIGKILL itself the first time it reaches that step.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

KILL_VARIABLE = "REKOGNITION_RUNNER_KILL_AT"


def kill_at(step: str) -> Callable[[str], None]:
    """A hook that SIGKILLs this process when it reaches ``step``."""

    def hook(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def from_environment(env: Mapping[str, str]) -> Callable[[str], None] | None:
    """The kill hook ``REKOGNITION_RUNNER_KILL_AT`` asks for, if any."""
    step = env.get(KILL_VARIABLE)
    return kill_at(step) if step else None
