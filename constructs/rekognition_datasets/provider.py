"""The stack's single custom-resource provider, shared by every dataset and distribution."""

from __future__ import annotations

import dataclasses
import json
import re
import weakref
from typing import TYPE_CHECKING, Any, Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from rekognition_datasets import nag, perms
from rekognition_datasets.bundling import handler_code
from rekognition_datasets.errors import ValidationError
from rekognition_datasets_handler import schema

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import IConstruct

    from rekognition_datasets.project import IProject

#: Construct id of the provider under its Stack. Part of the ServiceToken's identity: never change it.
PROVIDER_ID: Final = "RekognitionDatasetsProvider"

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

_STACK_PROJECTS_REASON = (
    "Project names the library generates start with the stack's name ('<StackName>-<path>-<hash>'), so one "
    "pattern covers every such project of this stack and the role's policy stays the same size for any number "
    "of projects; dataset ARNs also end in a creation timestamp chosen by the service."
)
_LISTED_PROJECTS_REASON = (
    "Dataset ARNs end in a creation timestamp chosen by the service, so the handler can only be scoped to the "
    "datasets of each declared project (project/<name>/dataset/*)."
)

#: The provider of each stack, and the stack of each scope asked about (the construct tree holds the same; these
#: save the jsii lookups per dataset).
_PROVIDERS: weakref.WeakKeyDictionary[cdk.Stack, DatasetProvider] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[IConstruct, cdk.Stack] = weakref.WeakKeyDictionary()


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


def _settings_from_context(scope: IConstruct) -> ProviderSettings:
    node = scope.node
    interval = node.try_get_context(CONTEXT_QUERY_INTERVAL)
    total = node.try_get_context(CONTEXT_TOTAL_TIMEOUT)
    level = node.try_get_context(CONTEXT_LOG_LEVEL)
    return ProviderSettings(
        query_interval_seconds=int(interval) if interval is not None else DEFAULT_QUERY_INTERVAL_SECONDS,
        total_timeout_seconds=int(total) if total is not None else DEFAULT_TOTAL_TIMEOUT_SECONDS,
        log_level=str(level).upper() if level is not None else "INFO",
    )


class DatasetProvider(Construct):
    """Two Python Lambda functions (on_event, is_complete; one code asset, one role) behind a CDK ``Provider``.

    Created once per stack, directly under the Stack at ``PROVIDER_ID``, so the ServiceToken never depends on
    which construct asked first. Use ``DatasetProvider.configure`` before declaring datasets to change its
    settings; CDK context keys (``rekognition-datasets:queryIntervalSeconds``, ``...:totalTimeoutSeconds``,
    ``...:logLevel``) give defaults.
    """

    def __init__(self, stack: cdk.Stack, settings: ProviderSettings) -> None:
        super().__init__(stack, PROVIDER_ID)
        problems = settings.problems()
        if problems:
            raise ValidationError(self, "; ".join(problems))
        self.settings = settings
        self._stack = stack
        self._validations = cdk.Validations.of(self)
        self._statement_keys: set[str] = set()
        self._projects: set[str] = set()
        #: The statements that list projects this stack does not name by pattern (one per action group).
        self._listed: tuple[iam.PolicyStatement, iam.PolicyStatement] | None = None
        self._stack_projects_granted = False
        self._generated_name_prefix = _generated_name_prefix(stack)
        #: (project key, dataset type) -> the dataset that holds the slot.
        self.dataset_slots: dict[tuple[str, str], Construct] = {}
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Rekognition datasets custom-resource handler",
        )
        code = handler_code()
        self.on_event_function = self._function("OnEvent", "on_event", code)
        self.is_complete_function = self._function("IsComplete", "is_complete", code)
        self.framework = cr.Provider(
            self,
            "Framework",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=cdk.Duration.seconds(settings.query_interval_seconds),
            total_timeout=cdk.Duration.seconds(settings.total_timeout_seconds),
        )
        self.add_statement(
            perms.UNSCOPED_ACTIONS,
            ["*"],
            wildcard_reason="rekognition:DescribeProjects has no resource type in the service authorization "
            "reference, so IAM only accepts '*'; it is read-only.",
        )
        self._acknowledge_framework()
        self._service_timeout = cdk.Duration.seconds(settings.service_timeout_seconds)
        self._service_token: str | None = None
        _PROVIDERS[stack] = self

    def _function(self, id: str, entry: str, code: lambda_.Code) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, f"{id}Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        log_group.grant_write(self.role)
        return lambda_.Function(
            self,
            id,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"rekognition_datasets_handler.provider.{entry}",
            code=code,
            role=self.role,
            timeout=cdk.Duration.seconds(HANDLER_TIMEOUT_SECONDS),
            memory_size=512,
            log_group=log_group,
            environment={
                schema.ENV_LOG_LEVEL: self.settings.log_level,
                schema.ENV_CALL_BUDGET_SECONDS: str(HANDLER_BUDGET_SECONDS),
            },
        )

    @property
    def service_token(self) -> str:
        """The ServiceToken every dataset and distribution uses."""
        if self._service_token is None:
            self._service_token = self.framework.service_token
        return self._service_token

    @property
    def service_timeout(self) -> cdk.Duration:
        """``ServiceTimeout`` for each custom resource (covers on_event and the whole polling time)."""
        return self._service_timeout

    def add_statement(
        self, actions: Sequence[str], resources: Sequence[str], *, wildcard_reason: str | None = None
    ) -> None:
        """Allow ``actions`` on ``resources`` to the handler role, once; acknowledge wildcard resources.

        ``wildcard_reason`` is required when a resource holds ``*``: it becomes the cdk-nag acknowledgement.
        """
        resolved = self._stack.resolve(list(resources))
        key = json.dumps([sorted(actions), resolved], sort_keys=True)
        if key in self._statement_keys:
            return
        self._statement_keys.add(key)
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))
        self._acknowledge_wildcards(resources, resolved, wildcard_reason)

    def _acknowledge_wildcards(self, resources: Sequence[str], resolved: list[Any], reason: str | None) -> None:
        """Acknowledge the IAM5 finding of each wildcard among ``resources`` (``resolved``: their resolved forms)."""
        for resource, value in zip(resources, resolved, strict=True):
            finding = nag.resource_finding(value)
            if "*" in finding.split("::", 1)[1]:
                if reason is None:
                    raise ValidationError(self, f"wildcard resource {resource} needs a reason")
                nag.acknowledge(self._validations, finding, reason)

    @staticmethod
    def project_key(project: IProject) -> str:
        """A project's identity for dedup and wiring checks: its ARN string.

        Equal literals are the same project, and so are equal token strings (one project's ``project_arn``,
        however often it is read or imported again); no jsii round trip per dataset.
        """
        return project.project_arn

    def _acknowledge_framework(self) -> None:
        """Acknowledge what the CDK Provider framework and the functions' logging cause, with reasons."""
        nag.acknowledge(
            self._validations,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The CDK Provider framework's own functions use the AWS managed basic execution role for their logs; "
            "the library cannot pass them a narrower role without a circular dependency.",
        )
        framework_functions = [
            child
            for child in self.framework.node.children
            if isinstance(child, lambda_.Function) and child.node.id in ("framework-isComplete", "framework-onTimeout")
        ]
        functions = (self.on_event_function, self.is_complete_function, *framework_functions)
        for resolved in self._stack.resolve([f"{function.function_arn}:*" for function in functions]):
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

    def register_project(self, project: IProject) -> None:
        """Let the handler manage datasets in ``project`` (once per project).

        Declared projects whose name starts with the stack's generated-name prefix share two pattern
        statements, whatever their number; any other project (imported, or named otherwise by the user) is
        listed in two shared statements, which grow by one ARN each per such project.
        """
        key = self.project_key(project)
        if key in self._projects:
            return
        self._projects.add(key)
        if self._covers_by_pattern(project):
            self._grant_stack_projects()
            return
        create = [project.project_arn]
        datasets = [project.dataset_arn_pattern]
        if self._listed is None:
            self._listed = (
                iam.PolicyStatement(actions=list(perms.PROJECT_CREATE_DATASET_ACTIONS), resources=create),
                iam.PolicyStatement(actions=list(perms.MANAGE_DATASET_ACTIONS), resources=datasets),
            )
            for statement in self._listed:
                self.role.add_to_principal_policy(statement)
        else:
            self._listed[0].add_resources(*create)
            self._listed[1].add_resources(*datasets)
        self._acknowledge_wildcards(datasets, self._stack.resolve(datasets), _LISTED_PROJECTS_REASON)

    def _covers_by_pattern(self, project: IProject) -> bool:
        from rekognition_datasets.project import Project

        if self._generated_name_prefix is None or not isinstance(project, Project):
            return False
        # The prefix is literal, so a name that starts with it (even if a token follows) deploys with it; the
        # handler can only reach projects in its own account and region, which the pattern names too.
        return project._declared_name.startswith(self._generated_name_prefix)

    def _grant_stack_projects(self) -> None:
        """Allow the dataset actions on every project named with this stack's prefix (two statements, once)."""
        if self._stack_projects_granted:
            return
        self._stack_projects_granted = True
        prefix = self._generated_name_prefix

        def arn(resource_name: str) -> str:
            return self._stack.format_arn(
                service="rekognition",
                resource="project",
                resource_name=resource_name,
                arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            )

        self.add_statement(
            perms.PROJECT_CREATE_DATASET_ACTIONS, [arn(f"{prefix}*/*")], wildcard_reason=_STACK_PROJECTS_REASON
        )
        self.add_statement(
            perms.MANAGE_DATASET_ACTIONS, [arn(f"{prefix}*/dataset/*")], wildcard_reason=_STACK_PROJECTS_REASON
        )

    @staticmethod
    def configure(
        scope: IConstruct,
        *,
        query_interval: cdk.Duration | None = None,
        total_timeout: cdk.Duration | None = None,
        log_level: str | None = None,
    ) -> DatasetProvider:
        """Create the stack's provider with these settings (call before declaring datasets).

        :param query_interval: time between is_complete polls. Default: context ``...:queryIntervalSeconds`` or 5 s.
        :param total_timeout: how long the provider polls before giving up; a whole multiple of ``query_interval``,
            at most 3000 s so that on_event (300 s) and the polls fit CloudFormation's one-hour ceiling.
            Default: context ``...:totalTimeoutSeconds`` or 3000 s.
        :param log_level: the handler's ``LOG_LEVEL``. Default: context ``...:logLevel`` or ``INFO``.
        :raises ValidationError: when the provider already exists with different settings.
        """
        base = _settings_from_context(scope)
        settings = ProviderSettings(
            query_interval_seconds=int(query_interval.to_seconds())
            if query_interval is not None
            else base.query_interval_seconds,
            total_timeout_seconds=int(total_timeout.to_seconds())
            if total_timeout is not None
            else base.total_timeout_seconds,
            log_level=log_level.upper() if log_level is not None else base.log_level,
        )
        stack = cdk.Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, DatasetProvider):
            if existing.settings != settings:
                raise ValidationError(
                    existing,
                    f"the provider already exists with {existing.settings}; configure it before declaring any "
                    "dataset or distribution in this stack",
                )
            return existing
        return DatasetProvider(stack, settings)

    @staticmethod
    def of(scope: IConstruct) -> DatasetProvider:
        """The stack's provider, created with context/default settings on first use."""
        stack = _stack_of(scope)
        known = _PROVIDERS.get(stack)
        if known is not None:
            return known
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, DatasetProvider):
            return existing
        return DatasetProvider(stack, _settings_from_context(scope))


def _stack_of(scope: IConstruct) -> cdk.Stack:
    if isinstance(scope, cdk.Stack):
        return scope
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = cdk.Stack.of(scope)
    return stack


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
