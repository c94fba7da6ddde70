"""The stack's single custom-resource provider, shared by every dataset and distribution."""

from __future__ import annotations

import json
import weakref
from typing import TYPE_CHECKING, Final

import aws_cdk as cdk
import constructs
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from rekognition_datasets import nag, perms
from rekognition_datasets._handler_policy import HandlerPolicy
from rekognition_datasets.bundling import handler_code
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.settings import (
    HANDLER_BUDGET_SECONDS,
    HANDLER_TIMEOUT_SECONDS,
    ProviderSettings,
    settings_from_context,
)
from rekognition_datasets_handler import model_schema, schema

if TYPE_CHECKING:
    from constructs import IConstruct

#: Construct id of the provider under its Stack. Part of the ServiceToken's identity: never change it.
PROVIDER_ID: Final = "RekognitionDatasetsProvider"

#: CloudFormation's resources per stack.
MAX_STACK_RESOURCES: Final = 500

#: The provider of each stack, and the stack of each scope asked about (the construct tree holds the same; these
#: save the jsii lookups per dataset).
_PROVIDERS: weakref.WeakKeyDictionary[cdk.Stack, DatasetProvider] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[IConstruct, cdk.Stack] = weakref.WeakKeyDictionary()


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
        #: The settings the provider was created with.
        self.settings = settings
        self._policy = HandlerPolicy(self, stack)
        #: (project key, dataset type) -> the dataset that holds the slot.
        self._dataset_slots: dict[tuple[str, str], Construct] = {}
        code = handler_code()
        on_event = self._function("OnEvent", "on_event", code)
        self._on_event = on_event
        self._watch_allowed = False
        self._auto_stop_role: iam.Role | None = None
        self._auto_stop_versions: set[str] = set()
        is_complete = self._function("IsComplete", "is_complete", code)
        self._framework = cr.Provider(
            self,
            "Framework",
            on_event_handler=on_event,
            is_complete_handler=is_complete,
            query_interval=cdk.Duration.seconds(settings.query_interval_seconds),
            total_timeout=cdk.Duration.seconds(settings.total_timeout_seconds),
        )
        self._policy.add_statement(
            perms.UNSCOPED_ACTIONS,
            ["*"],
            wildcard_reason="rekognition:DescribeProjects has no resource type in the service authorization "
            "reference, so IAM only accepts '*'; it is read-only.",
        )
        self._policy.acknowledge_framework(self._framework, (on_event, is_complete))
        self._service_timeout = cdk.Duration.seconds(settings.service_timeout_seconds)
        self._service_token: str | None = None
        self.node.add_validation(_StackResourceCount(stack))
        _PROVIDERS[stack] = self

    def _function(self, id: str, entry: str, code: lambda_.Code) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, f"{id}Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        log_group.grant_write(self._policy.role)
        return lambda_.Function(
            self,
            id,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"rekognition_datasets_handler.provider.{entry}",
            code=code,
            role=self._policy.role,
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
            self._service_token = self._framework.service_token
        return self._service_token

    @property
    def service_timeout(self) -> cdk.Duration:
        """``ServiceTimeout`` for each custom resource (covers on_event and the whole polling time)."""
        return self._service_timeout

    @property
    def role(self) -> iam.IRole:
        """The handler functions' role (grant it reads the library cannot see, e.g. images a manifest names)."""
        return self._policy.role

    def _allow_model_watch(self) -> None:
        """Let the handler put its training-watch rules, and EventBridge invoke on_event for them (once)."""
        if self._watch_allowed:
            return
        self._watch_allowed = True
        stack = cdk.Stack.of(self)
        rules = stack.format_arn(
            service="events",
            resource="rule",
            resource_name=f"{model_schema.WATCH_RULE_PREFIX}*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._policy.add_statement(perms.WATCH_RULE_ACTIONS, [rules], wildcard_reason=_WATCH_RULES_REASON)
        # declared here, never added at run time: the handler's role needs no lambda:AddPermission
        lambda_.CfnPermission(
            self,
            "WatchPermission",
            action="lambda:InvokeFunction",
            function_name=self._on_event.function_arn,
            principal="events.amazonaws.com",
            source_account=stack.account,
            source_arn=rules,
        )

    def _auto_stop_role_for(self, version_arn_pattern: str) -> iam.IRole:
        """The role EventBridge Scheduler assumes to stop served versions (one per stack; it may stop the versions
        of each project that serves with auto-stop), and the handler's right to schedule with it."""
        stack = cdk.Stack.of(self)
        if self._auto_stop_role is None:
            self._auto_stop_role = iam.Role(
                self,
                "AutoStopRole",
                assumed_by=iam.ServicePrincipal(
                    "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
                ),
                description="Stops Rekognition model versions on the schedule a ModelServing's auto_stop_after sets",
            )
            schedules = stack.format_arn(
                service="scheduler",
                resource="schedule",
                resource_name=f"default/{model_schema.AUTO_STOP_SCHEDULE_PREFIX}*",
                arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            )
            self._policy.add_statement(
                perms.AUTO_STOP_SCHEDULE_ACTIONS, [schedules], wildcard_reason=_AUTO_STOP_SCHEDULES_REASON
            )
            self._policy.add_statement(
                perms.PASS_ROLE_ACTIONS,
                [self._auto_stop_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        resolved = stack.resolve(version_arn_pattern)
        key = json.dumps(resolved, sort_keys=True)
        if key in self._auto_stop_versions:
            return self._auto_stop_role
        self._auto_stop_versions.add(key)
        self._auto_stop_role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(perms.STOP_MODEL_VERSION_ACTIONS), resources=[version_arn_pattern])
        )
        nag.acknowledge(
            cdk.Validations.of(self._auto_stop_role),
            nag.resource_finding(resolved),
            "A served version's ARN ends in a creation timestamp chosen by the service, so the auto-stop role is "
            "scoped to the versions of the project that serves it (project/<name>/version/*).",
        )
        return self._auto_stop_role

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
        base = settings_from_context(scope)
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
        return DatasetProvider(stack, settings_from_context(scope))


_WATCH_RULES_REASON = (
    "The handler names each training's watch rule after a hash of the version ARN, known only at deploy time; "
    "it is scoped to the library's rule prefix."
)
_AUTO_STOP_SCHEDULES_REASON = (
    "The handler names each auto-stop schedule after a hash of the served version's ARN, known only at deploy "
    "time; it is scoped to the library's schedule prefix in the default group."
)


@jsii.implements(constructs.IValidation)
class _StackResourceCount:
    """Fails synth, naming what to change, when the stack holds more resources than CloudFormation accepts."""

    def __init__(self, stack: cdk.Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        found = [c for c in self._stack.node.find_all() if isinstance(c, cdk.CfnResource)]
        if len(found) <= MAX_STACK_RESOURCES:
            return []
        kinds: dict[str, int] = {}
        for resource in found:
            kinds[resource.cfn_resource_type] = kinds.get(resource.cfn_resource_type, 0) + 1
        ours = ", ".join(
            f"{kinds[kind]} {kind}"
            for kind in (
                "AWS::Rekognition::Project",
                schema.DATASET_RESOURCE_TYPE,
                schema.DISTRIBUTION_RESOURCE_TYPE,
                model_schema.PROJECT_MODELS_RESOURCE_TYPE,
                model_schema.MODEL_VERSION_RESOURCE_TYPE,
            )
            if kind in kinds
        )
        return [
            f"stack {self._stack.stack_name} declares {len(found)} resources ({ours}), over CloudFormation's "
            f"{MAX_STACK_RESOURCES} per stack: split the projects, each with its datasets, across several stacks "
            "(each stack gets its own provider)"
        ]


def _stack_of(scope: IConstruct) -> cdk.Stack:
    if isinstance(scope, cdk.Stack):
        return scope
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = cdk.Stack.of(scope)
    return stack
