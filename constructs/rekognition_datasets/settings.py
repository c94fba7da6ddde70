"""``ProviderSettings``: the provider's timing and logging, their limits, and their CDK context defaults."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from constructs import IConstruct

CONTEXT_QUERY_INTERVAL: Final = "rekognition-datasets:queryIntervalSeconds"
CONTEXT_TOTAL_TIMEOUT: Final = "rekognition-datasets:totalTimeoutSeconds"
CONTEXT_LOG_LEVEL: Final = "rekognition-datasets:logLevel"

#: CloudFormation's ceiling for one custom-resource operation (``ServiceTimeout`` 1..3600 s).
CFN_CEILING_SECONDS: Final = 3600
#: Timeout of each handler function; on_event must answer well within it.
HANDLER_TIMEOUT_SECONDS: Final = 300
#: Time left to the handler after its boto3 calls (it stops starting new work when the budget is spent).
HANDLER_BUDGET_SECONDS: Final = HANDLER_TIMEOUT_SECONDS - 60
#: Allowance for the time the is_complete calls themselves take, on top of the polling intervals.
POLL_MARGIN_SECONDS: Final = 300
DEFAULT_QUERY_INTERVAL_SECONDS: Final = 5
DEFAULT_TOTAL_TIMEOUT_SECONDS: Final = CFN_CEILING_SECONDS - HANDLER_TIMEOUT_SECONDS - POLL_MARGIN_SECONDS
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclasses.dataclass(frozen=True)
class ProviderSettings:
    """Timing and logging of the provider (whole seconds)."""

    query_interval_seconds: int = DEFAULT_QUERY_INTERVAL_SECONDS
    total_timeout_seconds: int = DEFAULT_TOTAL_TIMEOUT_SECONDS
    log_level: str = "INFO"

    @property
    def service_timeout_seconds(self) -> int:
        """``ServiceTimeout`` of every resource: on_event plus all polling, within CloudFormation's hour."""
        return HANDLER_TIMEOUT_SECONDS + self.total_timeout_seconds + POLL_MARGIN_SECONDS

    def problems(self) -> list[str]:
        """What is wrong with these settings (empty when valid)."""
        found = []
        if self.query_interval_seconds < 1:
            found.append(f"query interval must be at least 1 second (got {self.query_interval_seconds})")
        elif self.total_timeout_seconds % self.query_interval_seconds:
            found.append(
                f"total timeout ({self.total_timeout_seconds} s) must be a whole multiple of the query interval "
                f"({self.query_interval_seconds} s)"
            )
        if self.total_timeout_seconds < self.query_interval_seconds:
            found.append("total timeout must be at least one query interval")
        if self.service_timeout_seconds > CFN_CEILING_SECONDS:
            limit = CFN_CEILING_SECONDS - HANDLER_TIMEOUT_SECONDS - POLL_MARGIN_SECONDS
            found.append(
                f"total timeout ({self.total_timeout_seconds} s) leaves no room within CloudFormation's "
                f"{CFN_CEILING_SECONDS} s ceiling; use at most {limit} s"
            )
        if self.log_level not in LOG_LEVELS:
            found.append(f"log level {self.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
        return found


def settings_from_context(scope: IConstruct) -> ProviderSettings:
    """The settings the CDK context gives at ``scope`` (defaults where a key is absent)."""
    node = scope.node
    interval = node.try_get_context(CONTEXT_QUERY_INTERVAL)
    total = node.try_get_context(CONTEXT_TOTAL_TIMEOUT)
    level = node.try_get_context(CONTEXT_LOG_LEVEL)
    return ProviderSettings(
        query_interval_seconds=int(interval) if interval is not None else DEFAULT_QUERY_INTERVAL_SECONDS,
        total_timeout_seconds=int(total) if total is not None else DEFAULT_TOTAL_TIMEOUT_SECONDS,
        log_level=str(level).upper() if level is not None else "INFO",
    )
