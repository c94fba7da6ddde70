"""``AWS::Lambda::Function``: recorded like other types, and a Python function's worker is started at once.

Creating the function is when Lambda would be ready to run it; starting the worker (and importing the handler
module) in the background then means the first custom-resource request does not pay the cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.resources import functions
from rekognition_datasets_local.runner.resources.recorded import RecordedHandler
from rekognition_datasets_local.runner.state import ResourceState

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.resources.base import Deployment, Outcome


class LambdaFunctionHandler(RecordedHandler):
    """Records the function; prewarms a worker for Python runtimes whose code can be fetched."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        outcome = super().create(d, logical_id, resource_type, props)
        if str(props.get("Runtime", "")).startswith("python"):
            function = ResourceState(
                logical_id, resource_type, outcome.physical_id, dict(props), dict(outcome.attributes)
            )
            try:
                d.host.prewarm(functions.spec(d, function))
            except Exception as exc:
                d.note(logical_id, f"not prewarmed: {exc}")
        return outcome
