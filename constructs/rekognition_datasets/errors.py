"""The library's error type."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from constructs import IConstruct


class ValidationError(ValueError):
    """Raised at synth time for wrong input or wiring; the message names the construct path and the fix."""

    def __init__(self, scope: IConstruct, message: str) -> None:
        super().__init__(f"{scope.node.path}: {message}")
