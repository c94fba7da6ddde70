"""Exceptions that end a custom-resource request with FAILED and a short, user-facing reason."""

from __future__ import annotations

#: CloudFormation's whole response must stay under 4096 bytes; the framework adds a log line and a stack trace.
MAX_REASON_CHARS = 1000


def shorten(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """Keep the head of ``text`` (the useful part) within ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 15] + " ...(truncated)"


class ProviderError(Exception):
    """A terminal failure: the message is the CloudFormation ``Reason``, already short and actionable."""

    def __init__(self, message: str) -> None:
        super().__init__(shorten(message))


class BudgetExhaustedError(ProviderError):
    """Transient errors kept happening until the call budget ran out."""
