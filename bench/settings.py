"""Run settings shared by every benchmark module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """``quick`` shrinks sizes and repeats; ``repeat`` (when set) overrides every benchmark's repeat count."""

    workdir: Path
    quick: bool = False
    repeat: int | None = None

    def repeats(self, full: int, quick: int = 1) -> int:
        """How many samples to take of something whose full-run count is ``full``."""
        if self.repeat is not None:
            return self.repeat
        return quick if self.quick else full
