"""``Custom::RekognitionModelEvaluation``: a settled version's evaluation as attributes, and the F1 gate again.

Created after the deploy's wait condition, so the version has settled: a version that is not trained fails with its
status, one below ``MinF1Score`` with the gate's message. It reads only; Delete has nothing to undo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rekognition_datasets_handler import model_service
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.gate import gate_failure
from rekognition_datasets_handler.model_properties import parse_model_evaluation
from rekognition_datasets_handler.model_schema import (
    ATTR_BILLABLE_TRAINING_SECONDS,
    ATTR_EVALUATION_SUMMARY,
    ATTR_F1_SCORE,
    ATTR_MODEL_STATUS,
)
from rekognition_datasets_handler.runtime import Outcome

if TYPE_CHECKING:
    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Runtime


def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: validate (the read that yields the attributes is ``poll``'s); Delete is a no-op."""
    if request.request_type == "Delete":
        runtime.log.info("nothing to undo for an evaluation", step="delete-noop")
        return Outcome(complete=True, physical_id=request.physical_id)
    spec = parse_model_evaluation(request.properties)
    return Outcome(complete=False, physical_id=spec.version_arn)


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: read the version; its evaluation, or a failure naming its status or the gate."""
    if request.request_type == "Delete":
        return Outcome(complete=True, physical_id=request.physical_id)
    spec = parse_model_evaluation(request.properties)
    rek = runtime.clients.rekognition
    project_arn = model_service.project_of(rek, spec.version_arn)
    version = model_service.describe_version(rek, project_arn, spec.version_arn) if project_arn else None
    if version is None:
        raise ProviderError(f"Model version {spec.version_arn} does not exist.")
    if version.status not in model_service.TRAINED:
        detail = f": {version.status_message[:400]}" if version.status_message else ""
        raise ProviderError(f"Model version {version.name} is {version.status}{detail}; it has no evaluation.")
    failure = gate_failure(version, spec.min_f1)
    if failure is not None:
        raise ProviderError(failure)
    runtime.log.info("evaluation read", step="complete", version_arn=version.arn, f1_score=version.f1_score)
    return Outcome(
        complete=True,
        physical_id=spec.version_arn,
        data={
            ATTR_F1_SCORE: "" if version.f1_score is None else str(version.f1_score),
            ATTR_EVALUATION_SUMMARY: version.summary_uri or "",
            ATTR_BILLABLE_TRAINING_SECONDS: "" if version.billable_seconds is None else str(version.billable_seconds),
            ATTR_MODEL_STATUS: version.status,
        },
    )
