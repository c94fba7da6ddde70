"""The handler role's policy: deduplicated statements, the projects it covers, and their cdk-nag acknowledgements."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from rekognition_datasets import nag, perms
from rekognition_datasets.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from constructs import Construct

    from rekognition_datasets.project import IProject

_STACK_PROJECTS_REASON = (
    "Project names the library generates start with the stack's name ('<StackName>-<path>-<hash>'), so one "
    "pattern covers every such project of this stack and the role's policy stays the same size for any number "
    "of projects; dataset and model version ARNs also end in a creation timestamp chosen by the service."
)
_LISTED_PROJECTS_REASON = (
    "Dataset and model version ARNs end in a creation timestamp chosen by the service, so the handler can only be "
    "scoped to what each declared project holds (project/<name>/*: the dataset actions apply to its datasets, the "
    "version actions to its model versions)."
)

#: Grants listed resource by resource, per group, before the group falls back to one pattern: the role's policy
#: is bounded whatever the number of projects, datasets or assets (IAM counts 10,240 inline characters per role).
MAX_LISTED_GRANTS: Final = 10
_ALL_PROJECTS_REASON = (
    f"This stack's datasets use more than {MAX_LISTED_GRANTS} projects that are not named with the stack's "
    "prefix; listing each would grow the role's policy past IAM's size limits, so the handler may manage datasets "
    "and model versions in any project of the stack's account and region. It creates them only in the projects "
    "the template names, and deletes or changes only what carries this stack's ownership tags (or, with "
    "auto_delete_models, the versions of a project the template names)."
)


def project_key(project: IProject) -> str:
    """A project's identity for dedup and wiring checks: its ARN string.

    Equal literals are the same project, and so are equal token strings (one project's ``project_arn``,
    however often it is read or imported again); no jsii round trip per dataset.
    """
    return project.project_arn


class HandlerPolicy:
    """What the handler role may do, granted once per distinct statement or project, with nag acknowledgements.

    ``owner`` is the construct the acknowledgements apply to (the provider, which holds the role).
    """

    def __init__(self, owner: Construct, stack: cdk.Stack) -> None:
        self._owner = owner
        self._stack = stack
        self._validations = cdk.Validations.of(owner)
        self._statement_keys: set[str] = set()
        #: Fallback group key -> how many resources it lists (see ``add_bounded``).
        self._bounded: dict[str, int] = {}
        self._projects: set[tuple[str, str]] = set()
        #: Per group: the statements that list projects this stack does not name by pattern
        #: (one per action group), and how many projects asked to be listed.
        self._listed: dict[str, list[iam.PolicyStatement]] = {}
        self._listed_counts: dict[str, int] = {}
        self._generated_name_prefix = _generated_name_prefix(stack)
        self.role = iam.Role(
            owner,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Rekognition datasets custom-resource handler",
        )

    def add_statement(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        wildcard_reason: str | None = None,
        conditions: Mapping[str, Any] | None = None,
    ) -> bool:
        """Allow ``actions`` on ``resources`` to the handler role, once; acknowledge wildcard resources.

        ``wildcard_reason`` is required when a resource holds ``*``: it becomes the cdk-nag acknowledgement.
        Returns whether the statement is new.
        """
        resolved = self._stack.resolve(list(resources))
        key = json.dumps([sorted(actions), resolved, self._stack.resolve(conditions)], sort_keys=True)
        if key in self._statement_keys:
            return False
        self._statement_keys.add(key)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=conditions)
        )
        self._acknowledge_wildcards(resources, resolved, wildcard_reason)
        return True

    def add_bounded(self, actions: Sequence[str], resource: str, *, fallback: str, reason: str) -> None:
        """Allow ``actions`` on ``resource``, listed while its group holds at most ``MAX_LISTED_GRANTS``
        resources; beyond, once on ``fallback`` (a pattern covering the group, acknowledged with ``reason``).

        The policy then stays the same size however many resources of the group a stack declares.
        """
        group = json.dumps([sorted(actions), self._stack.resolve(fallback)], sort_keys=True)
        listed = self._bounded.get(group, 0)
        if listed > MAX_LISTED_GRANTS:
            return
        if listed == MAX_LISTED_GRANTS:
            self.add_statement(actions, [fallback], wildcard_reason=reason)
            self._bounded[group] = listed + 1
        elif self.add_statement(actions, [resource]):
            self._bounded[group] = listed + 1

    def _acknowledge_wildcards(self, resources: Sequence[str], resolved: list[Any], reason: str | None) -> None:
        """Acknowledge the IAM5 finding of each wildcard among ``resources`` (``resolved``: their resolved forms)."""
        for resource, value in zip(resources, resolved, strict=True):
            finding = nag.resource_finding(value)
            if "*" in finding.split("::", 1)[1]:
                if reason is None:
                    raise ValidationError(self._owner, f"wildcard resource {resource} needs a reason")
                nag.acknowledge(self._validations, finding, reason)

    def acknowledge_framework(self, framework: Construct, functions: Sequence[lambda_.Function]) -> None:
        """Acknowledge what the CDK Provider ``framework`` and the handler ``functions``' logging cause."""
        nag.acknowledge(
            self._validations,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The CDK Provider framework's own functions use the AWS managed basic execution role for their logs; "
            "the library cannot pass them a narrower role without a circular dependency.",
        )
        framework_functions = [
            child
            for child in framework.node.children
            if isinstance(child, lambda_.Function) and child.node.id in ("framework-isComplete", "framework-onTimeout")
        ]
        for resolved in self._stack.resolve([f"{f.function_arn}:*" for f in (*functions, *framework_functions)]):
            nag.acknowledge(
                self._validations,
                nag.resource_finding(resolved),
                "The provider framework and its waiter state machine may invoke any version or alias of the "
                "provider's own functions (CDK's grantInvoke adds the ':*' form).",
            )
        nag.acknowledge(
            self._validations,
            "AwsSolutions-SF1",
            "The provider's waiter state machine is the CDK framework's; it only polls is_complete, whose own "
            "logs hold every step, so logging ALL events would only duplicate them (and the ResponseURL).",
        )
        nag.acknowledge(
            self._validations,
            "AwsSolutions-SF2",
            "X-Ray tracing of the CDK framework's waiter state machine adds cost and no insight: each step is one "
            "Lambda invocation already logged.",
        )

    def cover_project(self, project: IProject, *, models: bool = False) -> None:
        """Let the handler manage datasets in ``project`` and list its model versions (once per project); with
        ``models``, also train, serve and delete its versions (a ``Model``, or ``auto_delete_models``).

        Declared projects whose name starts with the stack's generated-name prefix share pattern statements,
        whatever their number; any other project (imported, native, or named otherwise by the user) is listed in
        two shared statements per tier (the project; its datasets, or its versions), which grow by one ARN each per
        such project up to ``MAX_LISTED_GRANTS`` projects; beyond, pattern statements cover every project of the
        stack's account and region instead (the handler proves ownership by tags before it changes or deletes
        anything).
        """
        for tier in ("datasets", "models") if models else ("datasets",):
            key = (project_key(project), tier)
            if key in self._projects:
                continue
            self._projects.add(key)
            if self._covers_by_pattern(project):
                self._grant_projects(self._generated_name_prefix or "", _STACK_PROJECTS_REASON, tier)
                continue
            project_grant, content_grant = _TIERS[tier]
            grants = [
                (project_grant, project.project_arn),
                (content_grant, self._project_arn(f"{project.project_name}/*")),
            ]
            if not self._list(f"projects-{tier}", grants, _LISTED_PROJECTS_REASON):
                self._grant_projects("", _ALL_PROJECTS_REASON, tier)

    def _list(self, group: str, grants: Sequence[tuple[Sequence[str], str]], reason: str) -> bool:
        """Add each ``(actions, resource)`` of ``grants`` to the group's shared statements (one per grant), unless
        the group already lists ``MAX_LISTED_GRANTS`` projects: then return False (the caller grants a pattern)."""
        count = self._listed_counts[group] = self._listed_counts.get(group, 0) + 1
        if count > MAX_LISTED_GRANTS:
            return False
        statements = self._listed.get(group)
        if statements is None:
            statements = self._listed[group] = [
                iam.PolicyStatement(actions=list(actions), resources=[resource]) for actions, resource in grants
            ]
            for statement in statements:
                self.role.add_to_principal_policy(statement)
        else:
            for statement, (_, resource) in zip(statements, grants, strict=True):
                statement.add_resources(resource)
        resources = [resource for _, resource in grants]
        self._acknowledge_wildcards(resources, self._stack.resolve(resources), reason)
        return True

    def _project_arn(self, resource_name: str) -> str:
        return self._stack.format_arn(
            service="rekognition",
            resource="project",
            resource_name=resource_name,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )

    def _covers_by_pattern(self, project: IProject) -> bool:
        from rekognition_datasets.project import Project

        if self._generated_name_prefix is None or not isinstance(project, Project):
            return False
        # The prefix is literal, so a name that starts with it (even if a token follows) deploys with it; the
        # handler can only reach projects in its own account and region, which the pattern names too.
        return project._declared_name.startswith(self._generated_name_prefix)

    def _grant_projects(self, prefix: str, reason: str, tier: str) -> None:
        """Allow ``tier``'s actions on every project whose name starts with ``prefix`` (two statements, once)."""
        arn = self._project_arn
        project_grant, content_grant = _TIERS[tier]
        content = "dataset" if tier == "datasets" else "version"
        self.add_statement(project_grant, [arn(f"{prefix}*/*")], wildcard_reason=reason)
        self.add_statement(content_grant, [arn(f"{prefix}*/{content}/*")], wildcard_reason=reason)


#: Per tier: the actions on a project's ARN, and on what it holds (its datasets, or its model versions).
_TIERS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "datasets": (perms.PROJECT_ACTIONS, perms.MANAGE_DATASET_ACTIONS),
    "models": (perms.PROJECT_TRAIN_ACTIONS, perms.MANAGE_MODEL_VERSION_ACTIONS),
}


def _generated_name_prefix(stack: cdk.Stack) -> str | None:
    """The prefix of the names ``Names.unique_resource_name`` gives this stack's constructs (``None``: unknown).

    Those names start with the stack name reduced to its letters and digits, then ``-``. A project whose name
    does not start with the prefix (a user's name, or a generated one shortened in the middle) is listed instead.
    """
    name = stack.stack_name
    if cdk.Token.is_unresolved(name):
        return None
    stem = re.sub(r"[^A-Za-z0-9]", "", name)
    return f"{stem}-" if stem else None
