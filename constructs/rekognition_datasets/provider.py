"""The stack's single custom-resource provider, shared by every dataset and distribution."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Final

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr

from constructs import Construct
from dataset_provider import schema
from rekognition_datasets import nag, perms
from rekognition_datasets.bundling import handler_code
from rekognition_datasets.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import IConstruct

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
        self._statement_keys: set[str] = set()
        self._projects: set[str] = set()
        #: (project key, dataset type) -> path of the dataset that holds the slot.
        self.dataset_slots: dict[tuple[str, str], str] = {}
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
            handler=f"dataset_provider.provider.{entry}",
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
        return self.framework.service_token

    @property
    def service_timeout(self) -> cdk.Duration:
        """``ServiceTimeout`` for each custom resource (covers on_event and the whole polling time)."""
        return cdk.Duration.seconds(self.settings.service_timeout_seconds)

    def add_statement(
        self, actions: Sequence[str], resources: Sequence[str], *, wildcard_reason: str | None = None
    ) -> None:
        """Allow ``actions`` on ``resources`` to the handler role, once; acknowledge wildcard resources.

        ``wildcard_reason`` is required when a resource holds ``*``: it becomes the cdk-nag acknowledgement.
        """
        stack = cdk.Stack.of(self)
        key = json.dumps([sorted(actions), stack.resolve(list(resources))], sort_keys=True)
        if key in self._statement_keys:
            return
        self._statement_keys.add(key)
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=list(resources)))
        for resource in resources:
            finding = nag.resource_finding(self, resource)
            if "*" in finding.split("::", 1)[1]:
                if wildcard_reason is None:
                    raise ValidationError(self, f"wildcard resource {resource} needs a reason")
                nag.acknowledge(self, finding, wildcard_reason)

    def project_key(self, project_arn: str) -> str:
        """A stable identity for a project ARN (its resolved form), for dedup and wiring checks."""
        return json.dumps(cdk.Stack.of(self).resolve(project_arn), sort_keys=True)

    def _acknowledge_framework(self) -> None:
        """Acknowledge what the CDK Provider framework and the functions' logging cause, with reasons."""
        nag.acknowledge(
            self,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The CDK Provider framework's own functions use the AWS managed basic execution role for their logs; "
            "the library cannot pass them a narrower role without a circular dependency.",
        )
        framework_functions = [
            child
            for child in self.framework.node.children
            if isinstance(child, lambda_.Function) and child.node.id in ("framework-isComplete", "framework-onTimeout")
        ]
        for function in (self.on_event_function, self.is_complete_function, *framework_functions):
            nag.acknowledge(
                self,
                nag.resource_finding(self, f"{function.function_arn}:*"),
                "The provider framework and its waiter state machine may invoke any version or alias of the "
                "provider's own functions (CDK's grantInvoke adds the ':*' form).",
            )
        nag.acknowledge(
            self,
            "AwsSolutions-SF1",
            "The provider's waiter state machine is the CDK framework's; it only polls is_complete, whose own "
            "logs hold every step, so logging ALL events would only duplicate them (and the ResponseURL).",
        )
        nag.acknowledge(
            self,
            "AwsSolutions-SF2",
            "X-Ray tracing of the CDK framework's waiter state machine adds cost and no insight: each step is one "
            "Lambda invocation already logged.",
        )

    def register_project(self, project_arn: str, dataset_arn_pattern: str) -> None:
        """Let the handler manage datasets in the project with this ARN (once per project)."""
        key = self.project_key(project_arn)
        if key in self._projects:
            return
        self._projects.add(key)
        self.add_statement(perms.PROJECT_CREATE_DATASET_ACTIONS, [project_arn])
        self.add_statement(
            [*perms.DATASET_READ_ACTIONS, *perms.DATASET_WRITE_ACTIONS, *perms.TAG_ACTIONS],
            [dataset_arn_pattern],
            wildcard_reason="Dataset ARNs end in a creation timestamp chosen by the service, so the handler can "
            "only be scoped to the datasets of this declared project (project/<name>/dataset/*).",
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
        existing = cdk.Stack.of(scope).node.try_find_child(PROVIDER_ID)
        if isinstance(existing, DatasetProvider):
            return existing
        return DatasetProvider(cdk.Stack.of(scope), _settings_from_context(scope))
