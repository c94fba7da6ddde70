"""``Custom::RekognitionProjectModels``: the teardown guard of a project that may hold model versions.

Created after the project's datasets and before its models, so CloudFormation deletes it after the models and
before the datasets. Create/Update call nothing. Delete: a project without versions is done; with versions, and
``AutoDeleteModels`` not "true", it fails at once naming them and the option (DeleteProject would refuse anyway);
with the option, every version (also those made outside the stack: the user opted in) is stopped, waited for and
deleted, a bounded amount of work per call, until none remains.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from rekognition_datasets_handler import model_service
from rekognition_datasets_handler.arns import project_name
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_properties import ProjectModelsSpec, parse_project_models
from rekognition_datasets_handler.model_teardown import teardown_step
from rekognition_datasets_handler.runtime import Outcome

if TYPE_CHECKING:
    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Runtime

#: Versions named in the refusal; the rest are counted.
NAMED_VERSIONS = 5
#: DescribeProjectVersions pages one call reads (each call's work stays bounded; the next poll goes on).
MAX_PAGES_PER_STEP = 10
#: Stop/Delete calls one step makes at most.
MAX_ACTIONS_PER_STEP = 50


def physical_id(project_arn: str) -> str:
    """Stable per project: a new project is a new guard (the old one's Delete guards the old project)."""
    return "rekognition-project-models-" + hashlib.sha256(project_arn.encode()).hexdigest()[:20]


def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: nothing to do but validate on Create/Update; the first teardown step on Delete."""
    if request.request_type == "Delete":
        return runtime.budget.run("Deleting the project's model versions", lambda: _delete_step(request, runtime))
    spec = parse_project_models(request.properties)
    return Outcome(complete=True, physical_id=physical_id(spec.project_arn))


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: Create/Update are done; Delete takes one more teardown step."""
    if request.request_type == "Delete":
        return _delete_step(request, runtime)
    return Outcome(complete=True, physical_id=physical_id(parse_project_models(request.properties).project_arn))


def _delete_step(request: Request, runtime: Runtime) -> Outcome:
    try:
        spec = parse_project_models(request.properties)
    except ProviderError:
        runtime.log.info("no valid properties: nothing was guarded", step="delete-noop")
        return Outcome(complete=True, physical_id=request.physical_id)
    remaining = _auto_delete(spec, runtime) if spec.auto_delete else _refuse(spec, runtime)
    if remaining == 0:
        runtime.log.info("the project holds no model versions", step="complete", project_arn=spec.project_arn)
        return Outcome(complete=True, physical_id=request.physical_id)
    return Outcome(complete=False, physical_id=request.physical_id)


def _refuse(spec: ProjectModelsSpec, runtime: Runtime) -> int:
    """0 when the project holds no version; else a failure naming them and the option."""
    rek = runtime.clients.rekognition
    names: list[str] = []
    token: str | None = None
    for _ in range(MAX_PAGES_PER_STEP):
        page, token = model_service.versions_page(rek, spec.project_arn, token)
        names.extend(v.name for v in page)
        if token is None:
            break
    if not names:
        return 0
    shown = ", ".join(names[:NAMED_VERSIONS])
    more = len(names) - NAMED_VERSIONS
    if token is not None:
        shown += " (…and more)"
    elif more > 0:
        shown += f" (…and {more} more)"
    raise ProviderError(
        f"Project {project_name(spec.project_arn)} holds model versions {shown}; delete them or set "
        "auto_delete_models=True on the Project."
    )


def _auto_delete(spec: ProjectModelsSpec, runtime: Runtime) -> int:
    """One bounded step over the project's versions; the number of versions still there."""
    rek = runtime.clients.rekognition
    seen = actions = 0
    token: str | None = None
    for _ in range(MAX_PAGES_PER_STEP):
        page, token = model_service.versions_page(rek, spec.project_arn, token)
        for version in page:
            seen += 1
            if actions >= MAX_ACTIONS_PER_STEP:
                continue
            step = teardown_step(rek, version)
            actions += step in ("stopping", "deleting")
            runtime.log.info("tearing down", step=f"teardown-{step}", version_arn=version.arn, status=version.status)
        if token is None:
            break
    return seen if token is None else max(seen, 1)
