"""``Project``: an L2 over the native ``AWS::Rekognition::Project``, plus imports and grants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rekognition as rekognition
from aws_cdk.interfaces import aws_rekognition as rekognition_refs

from rekognition_datasets import perms
from rekognition_datasets.errors import ValidationError
from rekognition_datasets_handler import model_schema

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import Construct

_NAME_MAX = 255
_NAME_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


class IProject(cdk.IResource, rekognition_refs.IProjectRef, Protocol):
    """A Rekognition Custom Labels project, declared in this app or imported.

    A CDK resource (``node``, ``stack``, ``env``...) that is also aws-cdk-lib's ``IProjectRef``, so it goes where
    ``aws_rekognition``'s own references are expected.
    """

    @property
    def project_arn(self) -> str:
        """The project ARN (``arn:...:project/<name>/<creation-epoch-ms>``)."""
        ...

    @property
    def project_name(self) -> str:
        """The project name."""
        ...

    @property
    def dataset_arn_pattern(self) -> str:
        """ARN pattern of the project's datasets (``project/<name>/dataset/*``)."""
        ...

    @property
    def model_version_arn_pattern(self) -> str:
        """ARN pattern of the project's model versions (``project/<name>/version/*``)."""
        ...

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` on the project itself."""
        ...

    def grant_read_datasets(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant describing and listing the entries and labels of the project's datasets."""
        ...

    def grant_manage_datasets(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant creating, updating, distributing and deleting the project's datasets."""
        ...

    def grant_detect_custom_labels(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``DetectCustomLabels`` with any of the project's model versions."""
        ...


def validate_project_name(name: str) -> list[str]:
    """Problems with a project name (``[]`` for tokens, which are checked at deploy time)."""
    if cdk.Token.is_unresolved(name):
        return []
    problems = []
    if not 1 <= len(name) <= _NAME_MAX:
        problems.append(f"project name {name!r} must be 1 to {_NAME_MAX} characters long (is {len(name)})")
    bad = sorted(set(name) - _NAME_ALLOWED)
    if bad:
        problems.append(
            f"project name {name!r} has characters {''.join(bad)!r}; allowed: letters, digits, '_', '.', '-'"
        )
    return problems


@jsii.implements(rekognition_refs.IProjectRef)
class _ProjectBase(cdk.Resource):
    """Grants and ARN helpers shared by declared and imported projects; uses only the abstract attributes."""

    @property
    def project_arn(self) -> str:
        raise NotImplementedError

    @property
    def project_name(self) -> str:
        raise NotImplementedError

    @property
    def project_ref(self) -> rekognition_refs.ProjectReference:
        """A reference to this project (aws-cdk-lib's ``IProjectRef``)."""
        return rekognition_refs.ProjectReference(project_arn=self.project_arn, project_name=self.project_name)

    @property
    def _project_resource_arn(self) -> str:
        """What IAM statements on the project itself name (the ARN, or a wildcard when only the name is known)."""
        return self.project_arn

    @property
    def _removal_policy(self) -> cdk.RemovalPolicy | None:
        """The declared removal policy (``None`` for imported projects: not managed by this stack)."""
        return None

    @property
    def _arn_known(self) -> bool:
        """Whether ``project_arn`` is the exact project ARN (false for ``from_project_name``)."""
        return True

    def _sub_resource_arn(self, suffix: str) -> str:
        return cdk.Stack.of(self).format_arn(
            service="rekognition",
            resource="project",
            resource_name=f"{self.project_name}/{suffix}",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )

    @property
    def dataset_arn_pattern(self) -> str:
        """ARN pattern of the project's datasets (dataset ARNs carry the project name, not its timestamp)."""
        return self._sub_resource_arn("dataset/*")

    @property
    def model_version_arn_pattern(self) -> str:
        """ARN pattern of the project's model versions."""
        return self._sub_resource_arn("version/*")

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self._project_resource_arn]
        )

    def grant_read_datasets(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(perms.DATASET_READ_ACTIONS), resource_arns=[self.dataset_arn_pattern]
        )

    def grant_manage_datasets(self, grantee: iam.IGrantable) -> iam.Grant:
        grant = self.grant(grantee, *perms.PROJECT_CREATE_DATASET_ACTIONS)
        return grant.combine(
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=list(perms.MANAGE_DATASET_ACTIONS),
                resource_arns=[self.dataset_arn_pattern],
            )
        )

    def grant_detect_custom_labels(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(perms.DETECT_CUSTOM_LABELS_ACTIONS),
            resource_arns=[self.model_version_arn_pattern],
        )


class _ImportedProject(_ProjectBase):
    def __init__(self, scope: Construct, id: str, *, project_arn: str | None, project_name: str) -> None:
        super().__init__(scope, id)
        self._arn = project_arn
        self._name = project_name

    @property
    def project_arn(self) -> str:
        if self._arn is None:
            return self._sub_resource_arn("*")
        return self._arn

    @property
    def project_name(self) -> str:
        return self._name

    @property
    def _arn_known(self) -> bool:
        return self._arn is not None


class Project(_ProjectBase):
    """A Rekognition Custom Labels project (``AWS::Rekognition::Project``, child ``"Resource"``).

    :param project_name: the project name. Default: a name generated from the construct path, unique per
        stack and path, and stable across deploys. Generated names start with ``<StackName>-``, so the dataset
        provider's role covers all of them with one pattern; other names are listed in its policy one by one.
    :param tags: tags for the project. Default: none (``Tags.of(...)`` also applies).
    :param removal_policy: what ``cdk destroy`` or removal does. Default: ``RemovalPolicy.DESTROY``, so that
        ``cdk destroy`` leaves nothing behind; datasets default to DESTROY too because a retained dataset makes
        DeleteProject fail. Pass ``RemovalPolicy.RETAIN`` to keep the project (and then its datasets may be
        retained as well).
    :param auto_delete_models: like aws-s3's ``auto_delete_objects``: on destroy, stop and delete every model
        version of the project (also versions made outside the stack) before its datasets and the project.
        Default: False: destroying a project that still holds model versions fails early, naming them.

    Every project gets a ``Custom::RekognitionProjectModels`` guard (child ``"ModelsGuard"``), created after its
    datasets and before its models, so it is deleted after the models and before the datasets.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
        auto_delete_models: bool = False,
    ) -> None:
        super().__init__(scope, id)
        name = project_name if project_name is not None else self._generated_name()
        problems = validate_project_name(name) if project_name is not None else []
        if problems:
            raise ValidationError(self, "; ".join(problems))
        self._resource = rekognition.CfnProject(self, "Resource", project_name=name)
        self._resource.apply_removal_policy(removal_policy)
        self._policy = removal_policy
        #: The name as declared (a literal unless the user passed a token); ``project_name`` is its ``Ref``.
        self._declared_name = name
        self._arn: str | None = None
        self._ref: str | None = None
        for key, value in (tags or {}).items():
            cdk.Tags.of(self._resource).add(key, value)
        if not isinstance(auto_delete_models, bool):
            raise ValidationError(self, f"auto_delete_models must be True or False (got {auto_delete_models!r})")
        self._models_guard = self._guard_models(auto_delete_models)

    def _guard_models(self, auto_delete: bool) -> cdk.CustomResource:
        from rekognition_datasets.provider import DatasetProvider

        provider = DatasetProvider.of(self)
        provider._policy.cover_project(self, models=auto_delete)
        properties: model_schema.ProjectModelsProperties = {
            "ProjectArn": self.project_arn,
            "AutoDeleteModels": "true" if auto_delete else "false",
        }
        return cdk.CustomResource(
            self,
            "ModelsGuard",
            service_token=provider.service_token,
            resource_type=model_schema.PROJECT_MODELS_RESOURCE_TYPE,
            properties=properties,
            service_timeout=provider.service_timeout,
        )

    def _generated_name(self) -> str:
        return cdk.Names.unique_resource_name(self, max_length=128, separator="-")

    @property
    def project_arn(self) -> str:
        if self._arn is None:  # one jsii call per project, not one per dataset that names it
            self._arn = self._resource.attr_arn
        return self._arn

    @property
    def project_name(self) -> str:
        if self._ref is None:
            self._ref = self._resource.ref
        return self._ref

    @property
    def _removal_policy(self) -> cdk.RemovalPolicy | None:
        return self._policy

    @staticmethod
    def from_project_attributes(
        scope: Construct, id: str, *, project_name: str, project_arn: str | None = None
    ) -> IProject:
        """Import a project made elsewhere. Without ``project_arn`` grants use ``project/<name>/*``."""
        return _ImportedProject(scope, id, project_arn=project_arn, project_name=project_name)

    @staticmethod
    def from_project_arn(scope: Construct, id: str, project_arn: str) -> IProject:
        """Import a project by ARN (``arn:<partition>:rekognition:<region>:<account>:project/<name>/<ms>``)."""
        resource_name = cdk.Arn.split(project_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""
        if cdk.Token.is_unresolved(project_arn):
            name = cdk.Fn.select(0, cdk.Fn.split("/", resource_name))
        else:
            name = resource_name.split("/", 1)[0]
        return Project.from_project_attributes(scope, id, project_name=name, project_arn=project_arn)

    @staticmethod
    def from_project_ref(scope: Construct, id: str, project: rekognition_refs.IProjectRef) -> IProject:
        """The ``IProject`` of any aws-cdk-lib project reference (e.g. an ``aws_rekognition.CfnProject``).

        A project of this library is returned as it is; any other is imported by its ARN and name.
        """
        if isinstance(project, _ProjectBase):
            return project
        reference = project.project_ref
        return Project.from_project_attributes(
            scope, id, project_name=reference.project_name, project_arn=reference.project_arn
        )

    @staticmethod
    def from_project_name(scope: Construct, id: str, project_name: str) -> IProject:
        """Import a project by name.

        A project ARN ends in its creation timestamp, which the name does not give, so grants on the project
        itself use the pattern ``project/<name>/*``; datasets cannot be declared in such a project (use
        ``from_project_arn``), because the provider needs the exact ARN.
        """
        return Project.from_project_attributes(scope, id, project_name=project_name)
