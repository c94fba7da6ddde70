"""``Custom::RekognitionModelVersion``: train a model version, watch it, and delete only what this resource made.

Create answers at once (training outlasts any custom resource): the watch rule and its target first (``watch``;
a handler that may not watch fails before any training is billed), then CreateProjectVersion with the ownership
tags, and nothing after it can fail the request (a version made and then refused would be left behind by an
Update's rollback): the target's input gets the new ARN best effort, or the watch finds the version by name. The
watch signals the deploy's wait condition once the training settles; a version adopted already settled (a
rollback's return to it) is signalled at once and its rule removed, so no rule is left to fire. A re-delivered
Create finds the version by name and adopts it only when its tags prove it this resource's. Update: Tags alone
change in place; anything else is a new version (a new physical id: CloudFormation's cleanup deletes the old one).
Delete: stop a serving version, wait out a training, delete, poll until gone; the watch rule goes too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler import model_service, service, watch
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_properties import TRAINING_KEYS, ModelVersionSpec, parse_model_version
from rekognition_datasets_handler.model_schema import ATTR_PROJECT_VERSION_ARN, ATTR_VERSION_NAME
from rekognition_datasets_handler.model_teardown import teardown_step
from rekognition_datasets_handler.properties import parse_tags
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.runtime import Outcome
from rekognition_datasets_handler.schema import FRAMEWORK_KEYS
from rekognition_datasets_handler.watch import delete_watch, put_rule, put_target, rule_name, watch_event

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_rekognition.type_defs import OutputConfigTypeDef

    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Runtime


def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: create (or adopt) and watch, retag in place, or take the first delete step."""
    if request.request_type == "Delete":
        return runtime.budget.run("Deleting the model version", lambda: _delete_step(request, runtime, first=True))
    spec = parse_model_version(request.properties)
    arn = request.physical_id or ""
    if request.request_type == "Update" and _tags_only(request) and model_service.in_project(arn, spec.project_arn):
        runtime.budget.run("Tagging the model version", lambda: _retag(request, spec, arn, runtime))
        return Outcome(complete=True, physical_id=arn)
    _check_new_name(request, spec)
    target = runtime.function_arn
    if not target:  # checked before anything is made: a Create that fails gets no Delete
        raise ProviderError("The handler's own function ARN is unknown (no Lambda context): it cannot watch training.")
    events = runtime.events
    rule = runtime.budget.run("Scheduling the training watch", lambda: put_rule(events, spec))
    try:
        runtime.budget.run("Watching the training", lambda: put_target(events, target, spec))
        arn, adopted = runtime.budget.run(
            "Creating the model version", lambda: _create_or_adopt(request, spec, runtime)
        )
    except Exception:
        if rule != rule_name(request.physical_id or ""):  # not the rule of the version this resource already has
            _discard_rule(runtime, rule)
        raise
    try:
        runtime.budget.run("Naming the version to its watch", lambda: put_target(events, target, spec, arn))
    except Exception as exc:  # the target names the version already: the watch looks its ARN up
        runtime.log.warning("could not name the version's ARN to its watch", step="watch", reason=str(exc)[:300])
    runtime.log.info("watching the training", step="watch", version_arn=arn, rule=rule)
    if adopted:  # a version that has settled already is signalled now, and its rule goes (a rollback's re-put)
        watch.run(watch_event(spec, arn), runtime)
    return Outcome(complete=True, physical_id=arn)


def _discard_rule(runtime: Runtime, rule: str) -> None:
    """Remove the watch rule of a version that was not made (best effort: the failure that got here is the news)."""
    try:
        delete_watch(runtime.events, rule)
    except Exception as exc:
        runtime.log.warning("could not remove the unused watch rule", step="watch-discard", rule=rule, reason=str(exc))


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: Create/Update are done once on_event answered (the wait condition waits for training)."""
    if request.request_type == "Delete":
        return _delete_step(request, runtime, first=False)
    spec = parse_model_version(request.properties)
    arn = request.physical_id or ""
    if not model_service.in_project(arn, spec.project_arn):
        raise ProviderError(f"Malformed event: PhysicalResourceId {arn!r:.160} is not a version of {spec.project_arn}.")
    return Outcome(
        complete=True, physical_id=arn, data={ATTR_PROJECT_VERSION_ARN: arn, ATTR_VERSION_NAME: spec.version_name}
    )


# ----------------------------------------------------------------------------------------------- create/update
def _significant(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "Tags" and k not in FRAMEWORK_KEYS}


def _tags_only(request: Request) -> bool:
    old = request.old_properties or {}
    return _significant(old) == _significant(request.properties)


def _retag(request: Request, spec: ModelVersionSpec, arn: str, runtime: Runtime) -> None:
    """TagResource/UntagResource of the user tags that changed (the reserved ownership tags stay)."""
    try:
        old = parse_tags((request.old_properties or {}).get("Tags"))
    except ProviderError:
        old = {}
    rek = runtime.clients.rekognition
    changed = {k: v for k, v in spec.tags.items() if old.get(k) != v}
    removed = sorted(set(old) - set(spec.tags))
    if changed:
        rek.tag_resource(ResourceArn=arn, Tags=changed)
    if removed:
        rek.untag_resource(ResourceArn=arn, TagKeys=removed)
    runtime.log.info("retagged in place", step="retag", version_arn=arn, tagged=sorted(changed), untagged=removed)


def _check_new_name(request: Request, spec: ModelVersionSpec) -> None:
    """An Update that changes what is trained must name a new version (a version never changes)."""
    old = request.old_properties
    if request.request_type != "Update" or old is None or old.get("VersionName") != spec.version_name:
        return
    if old.get("ProjectArn") != spec.project_arn:
        return
    for key in TRAINING_KEYS:
        if old.get(key) != request.properties.get(key):
            raise ProviderError(
                f"{key} changed but VersionName {spec.version_name} did not: a trained version cannot change; "
                "give the new version a new VersionName."
            )


def _create_or_adopt(request: Request, spec: ModelVersionSpec, runtime: Runtime) -> tuple[str, bool]:
    """The version's ARN, and whether it existed already (a re-delivered request's, or the one a rollback returns
    to)."""
    rek = runtime.clients.rekognition
    output: OutputConfigTypeDef = {"S3Bucket": spec.output_bucket}
    if spec.output_prefix:
        output["S3KeyPrefix"] = spec.output_prefix
    extra = {"KmsKeyId": spec.kms_key_id} if spec.kms_key_id else {}
    if spec.version_description:
        extra["VersionDescription"] = spec.version_description
    try:
        arn = rek.create_project_version(
            ProjectArn=spec.project_arn,
            VersionName=spec.version_name,
            OutputConfig=output,
            Tags={**spec.tags, **request.identity_tags()},
            **extra,  # type: ignore[arg-type]
        )["ProjectVersionArn"]
    except ClientError as exc:
        if is_transient(exc):
            raise
        if error_code(exc) == "ResourceInUseException":
            existing = model_service.versions_named(rek, spec.project_arn, spec.version_name)
            if existing:
                return _adopt(request, spec, existing[0].arn, runtime), True
        message = str(exc.response.get("Error", {}).get("Message", ""))[:400]
        raise ProviderError(f"CreateProjectVersion failed: {error_code(exc)}: {message}") from exc
    runtime.log.info("training started", step="create", version_arn=arn)
    return arn, False


def _adopt(request: Request, spec: ModelVersionSpec, arn: str, runtime: Runtime) -> str:
    """The existing version named ``spec.version_name``, when its tags prove it this resource's."""
    tags = service.read_tags(runtime.clients.rekognition, arn) or {}
    if not request.owns(tags):
        raise ProviderError(
            f"Project {spec.project_arn.rsplit('/', 2)[-2]} already holds a model version named {spec.version_name} "
            f"({arn}) that this stack's {request.logical_id} did not create; delete it or train under another name."
        )
    runtime.log.info("adopted our version", step="adopt", version_arn=arn)
    return arn


# ----------------------------------------------------------------------------------------------------- delete
def _delete_step(request: Request, runtime: Runtime, *, first: bool) -> Outcome:
    done = Outcome(complete=True, physical_id=request.physical_id)
    target = _owned(request, runtime)
    if target is None:
        if first:
            runtime.log.info("nothing of ours to delete", step="delete-noop", physical_id=request.physical_id)
        return done
    project_arn, arn = target
    if first:
        delete_watch(runtime.events, rule_name(arn))
    rek = runtime.clients.rekognition
    version = model_service.describe_version(rek, project_arn, arn)
    step = "gone" if version is None else teardown_step(rek, version)
    runtime.log.info("deleting the version", step=f"delete-{step}", version_arn=arn, status=version and version.status)
    return done if step == "gone" else Outcome(complete=False, physical_id=request.physical_id)


def _owned(request: Request, runtime: Runtime) -> tuple[str, str] | None:
    """(project ARN, version ARN) of the version to delete; None when there is none of ours.

    A physical id that is a version ARN named like the declared version, in the declared project, is ours without a
    read: CloudFormation passes back only ids this provider returned, and a version ARN ends in its creation time,
    so it is never reused. Any other version ARN, and a made-up id (a Create that failed before it answered,
    resolved through the declared name), must carry this resource's identity tags. A Delete of what is not ours
    succeeds without deleting [infer: as for datasets].
    """
    try:
        spec: ModelVersionSpec | None = parse_model_version(request.properties)
    except ProviderError:
        spec = None
    arn = request.physical_id or ""
    rek = runtime.clients.rekognition
    parsed = model_service.parse_version_arn(arn)
    if parsed is None:
        if spec is None:
            return None
        found = model_service.versions_named(rek, spec.project_arn, spec.version_name)
        arn = found[0].arn if found else ""
        project_arn: str | None = spec.project_arn
    elif spec is not None and model_service.in_project(arn, spec.project_arn):
        if parsed.version_name == spec.version_name:
            return spec.project_arn, arn
        project_arn = spec.project_arn
    else:
        project_arn = model_service.project_of(rek, arn)
    tags = service.read_tags(rek, arn) if arn and project_arn else None
    if tags is None or not request.owns(tags):
        if tags is not None:
            runtime.log.warning("not ours: left alone", step="delete-foreign", version_arn=arn)
        return None
    return str(project_arn), arn
