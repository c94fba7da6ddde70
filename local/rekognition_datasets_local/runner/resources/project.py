"""``AWS::Rekognition::Project`` through the emulator: CreateProject, wait CREATED; DeleteProject, wait gone.

As CloudFormation's: ``Ref`` is the project name, ``Fn::GetAtt Arn`` its ARN, a name change is a replacement,
a tag change is an in-place update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome, missing_attribute

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState

_TRANSIENT = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError", "ServiceUnavailable"}
)


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in props.get("Tags", []) or []}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    return (
        f"{error.get('Message', '')} (Service: Rekognition, Status Code: {status}, Error Code: {error.get('Code', '')})"
    )


def _describe(d: Deployment, name: str) -> dict[str, Any] | None:
    while True:
        try:
            projects = d.clients.rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
        except ClientError as exc:
            if _code(exc) not in _TRANSIENT:
                raise ResourceFailed(_message(exc)) from exc
            d.wait(d.config.poll_seconds)
            continue
        return dict(projects[0]) if projects else None


class ProjectHandler:
    """Creates and deletes Rekognition Custom Labels projects."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        name = props.get("ProjectName")
        if not isinstance(name, str) or not name:
            raise ResourceFailed(f"{logical_id}: ProjectName is required (a string)")
        args: dict[str, Any] = {"ProjectName": name}
        if tags := _tags(props):
            args["Tags"] = tags
        for key in ("Feature", "AutoUpdate"):
            if key in props:
                args[key] = props[key]
        try:
            arn = d.clients.rekognition.create_project(**args)["ProjectArn"]
        except ClientError as exc:
            if _code(exc) == "ResourceInUseException":
                raise ResourceFailed(f"{name} already exists") from exc
            raise ResourceFailed(_message(exc)) from exc
        while (project := _describe(d, name)) is None or project["Status"] != "CREATED":
            if project is not None and project["Status"] not in ("CREATING",):
                raise ResourceFailed(f"project {name} ended in status {project['Status']}", name)
            d.wait(d.config.poll_seconds)
        return Outcome(name, {"Arn": arn})

    def free_name(self, d: Deployment, props: Mapping[str, Any]) -> str | None:
        """The declared name when no project holds it yet: a project found by it later is this create's."""
        name = props.get("ProjectName")
        if not isinstance(name, str) or not name or _describe(d, name) is not None:
            return None
        return name

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        arn = str(current.attributes["Arn"])
        old, new = _tags(current.properties), _tags(props)
        try:
            if removed := [k for k in old if k not in new]:
                d.clients.rekognition.untag_resource(ResourceArn=arn, TagKeys=removed)
            if changed := {k: v for k, v in new.items() if old.get(k) != v}:
                d.clients.rekognition.tag_resource(ResourceArn=arn, Tags=changed)
        except ClientError as exc:
            raise ResourceFailed(_message(exc)) from exc
        return Outcome(current.physical_id, current.attributes)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        project = _describe(d, current.physical_id)
        if project is None:
            return
        try:
            d.clients.rekognition.delete_project(ProjectArn=project["ProjectArn"])
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise ResourceFailed(_message(exc)) from exc
        while _describe(d, current.physical_id) is not None:
            d.wait(d.config.poll_seconds)

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return any(old.get(k) != new.get(k) for k in ("ProjectName", "Feature"))

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)
