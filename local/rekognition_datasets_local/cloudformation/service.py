"""The CloudFormation operations the CDK CLI uses, run by the runner's engine (one engine, two front doors).

Change sets are computed when created; ExecuteChangeSet and DeleteStack run the engine in a thread and the
stack's events come from the engine's status reports. Stacks deployed by ``rekognition-datasets deploy`` against
the same emulator are the same stacks here: both read and write the runner's state in the emulator's S3.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.cloudformation import changes as change_rules
from rekognition_datasets_local.cloudformation import protocol
from rekognition_datasets_local.cloudformation.changesets import NO_CHANGES, ChangeSet, ChangeSets
from rekognition_datasets_local.cloudformation.errors import (
    AlreadyExists,
    ChangeSetNotFound,
    InvalidChangeSetStatus,
    ValidationError,
)
from rekognition_datasets_local.cloudformation.events import EventLog
from rekognition_datasets_local.cloudformation.queries import StackQueries, deployed_template_text
from rekognition_datasets_local.cloudformation.registry import StackRegistry
from rekognition_datasets_local.cloudformation.stacks import StackRecord, now
from rekognition_datasets_local.cloudformation.templates import check_capabilities, parse_template, template_text
from rekognition_datasets_local.runner.engine import ACCOUNT_ID
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.scope import StackScope

if TYPE_CHECKING:
    from collections.abc import Callable

    from rekognition_datasets_local.runner.engine import Engine
    from rekognition_datasets_local.runner.state import StackState
    from rekognition_datasets_local.runner.template import Template

_STABLE = ("_COMPLETE", "_FAILED")
#: Statuses from which a stack can only be deleted.
_NOT_UPDATABLE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED")


class CloudFormationService:
    """The API's operations over one engine; ``handlers()`` maps action names to them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stacks = StackRegistry(engine.store, EventLog())
        self.change_sets = ChangeSets(self.stacks)
        self.queries = StackQueries(self.stacks, self.change_sets, engine.clients.s3)
        engine.printer.observe(self.stacks.observe)

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "CreateChangeSet": self.create_change_set,
            "DescribeChangeSet": self.describe_change_set,
            "ExecuteChangeSet": self.execute_change_set,
            "DeleteChangeSet": self.delete_change_set,
            "ListChangeSets": self.list_change_sets,
            "CreateStack": self.create_stack,
            "UpdateStack": self.update_stack,
            "DeleteStack": self.delete_stack,
            "UpdateTerminationProtection": self.update_termination_protection,
            "DescribeStacks": self.queries.describe_stacks,
            "ListStacks": self.queries.list_stacks,
            "DescribeStackEvents": self.queries.describe_stack_events,
            "DescribeStackResources": self.queries.describe_stack_resources,
            "DescribeStackResource": self.queries.describe_stack_resource,
            "ListStackResources": self.queries.list_stack_resources,
            "GetTemplate": self.queries.get_template,
            "GetTemplateSummary": self.queries.get_template_summary,
        }

    def wait(self) -> None:
        """Wait for every running operation (when stopping)."""
        self.stacks.wait()

    # -- change sets ----------------------------------------------------------------------------------------

    def create_change_set(self, params: dict[str, Any], *, direct: bool = False) -> dict[str, Any]:
        """CreateChangeSet; ``direct``: for CreateStack/UpdateStack (a new stack is not under review)."""
        name, kind = params["StackName"], params.get("ChangeSetType", "UPDATE")
        if kind == "IMPORT" or params.get("ResourcesToImport"):
            raise ValidationError("Resource import is not supported offline.")
        text = self._template_for(params)
        template = parse_template(text, uploaded=params.get("TemplateBody") is None)
        check_capabilities(template, params.get("Capabilities", []))
        self.stacks.settle(name)
        with self.stacks.lock:
            found = self.stacks.find(name)
            record, state = found if found else (None, None)
            status = self.stacks.status(record, state) if record else None
            if kind == "CREATE" and record is not None and status != "REVIEW_IN_PROGRESS":
                raise AlreadyExists(f"Stack [{name}] already exists")
            if kind == "UPDATE" and (record is None or status == "REVIEW_IN_PROGRESS"):
                raise ValidationError(f"Stack [{name}] does not exist")
            busy = record is not None and (self.stacks.running(name) or not str(status).endswith(_STABLE))
            if (busy and status != "REVIEW_IN_PROGRESS") or (kind == "UPDATE" and status in _NOT_UPDATABLE):
                assert record is not None
                raise ValidationError(f"Stack:{record.stack_id} is in {status} state and can not be updated.")
            if record is None:
                record = StackRecord(self.engine.new_stack_id(name), name, "REVIEW_IN_PROGRESS")
                self.stacks.add(record)
                if not direct:
                    self.stacks.events.stack_event(name, record.stack_id, "REVIEW_IN_PROGRESS", "User Initiated")
            change_set = self._compute(record, state, template, text, params)
            self.change_sets.add(change_set)
        return {"Id": change_set.change_set_id, "StackId": record.stack_id}

    def _template_for(self, params: dict[str, Any]) -> str:
        if params.get("UsePreviousTemplate"):
            record, state = self.stacks.lookup(params["StackName"])
            if state is None:
                raise ValidationError("UsePreviousTemplate: the stack has no deployed template")
            return deployed_template_text(record, state)
        return template_text(params, self.engine.clients.s3)

    def _compute(
        self,
        record: StackRecord,
        state: StackState | None,
        template: Template,
        text: str,
        params: dict[str, Any],
    ) -> ChangeSet:
        values = _parameter_values(record, state, template, params.get("Parameters", []))
        change_set = ChangeSet(
            change_set_id=(
                f"arn:aws:cloudformation:{self.engine.region}:{ACCOUNT_ID}:changeSet/"
                f"{params['ChangeSetName']}/{uuid.uuid4()}"
            ),
            name=params["ChangeSetName"],
            stack_id=record.stack_id,
            stack_name=record.stack_name,
            change_set_type=params.get("ChangeSetType", "UPDATE"),
            template=template,
            template_text=text,
            parameters=values,
            changes=[],
            changes_with_values=[],
            created=now(),
            capabilities=list(params.get("Capabilities", [])),
            tags=[{"Key": t["Key"], "Value": t["Value"]} for t in params.get("Tags", [])],
            description=params.get("Description"),
        )
        try:
            resolved = template.parameter_values(values)
            scope = StackScope(
                template,
                stack_name=record.stack_name,
                stack_id=record.stack_id,
                account=ACCOUNT_ID,
                region=self.engine.region,
                parameters=resolved,
                resources=state.resources if state else {},
            )
            change_set.changes = change_rules.resource_changes(state, template, scope, include_values=False)
            change_set.changes_with_values = change_rules.resource_changes(state, template, scope, include_values=True)
        except RunnerError as exc:
            change_set.status, change_set.execution_status, change_set.reason = "FAILED", "UNAVAILABLE", str(exc)
            return change_set
        unchanged = state is not None and state.template == dict(template.body) and state.parameters == resolved
        if unchanged and change_set.tags == record.tags:
            change_set.status, change_set.execution_status, change_set.reason = "FAILED", "UNAVAILABLE", NO_CHANGES
        return change_set

    def describe_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        change_set = self.change_sets.find(params["ChangeSetName"], params.get("StackName"))
        return change_set.describe(include_values=bool(params.get("IncludePropertyValues")))

    def list_change_sets(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self.stacks.lookup(params["StackName"])
        return {"Summaries": [c.summary() for c in self.change_sets.of_stack(record.stack_id)]}

    def delete_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            change_set = self.change_sets.find(params["ChangeSetName"], params.get("StackName"))
        except ChangeSetNotFound:
            # [infer] by name, an absent change set is no error: the CDK CLI deletes "if it exists" this way
            if params["ChangeSetName"].startswith("arn:"):
                raise
            return {}
        if change_set.execution_status == "EXECUTE_IN_PROGRESS":
            raise InvalidChangeSetStatus(f"Cannot delete ChangeSet in status {change_set.execution_status}")
        self.change_sets.remove(change_set)
        return {}

    def execute_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        change_set = self.change_sets.find(params["ChangeSetName"], params.get("StackName"))
        self.stacks.settle(change_set.stack_name)
        with self.stacks.lock:
            if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
                raise InvalidChangeSetStatus(
                    f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of "
                    f"[{change_set.status}]"
                )
            name = change_set.stack_name
            if self.stacks.running(name):
                raise InvalidChangeSetStatus(f"Stack [{name}] has an operation in progress")
            record, _ = self.stacks.lookup(change_set.stack_id)
            for other in self.change_sets.of_stack(record.stack_id):
                if other is not change_set:
                    other.execution_status = "OBSOLETE"
            change_set.execution_status = "EXECUTE_IN_PROGRESS"
            creating = record.status == "REVIEW_IN_PROGRESS"
            record.status = "CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS"
            record.reason = ""
            record.template_text = change_set.template_text
            record.parameters = dict(change_set.parameters)
            record.tags, record.capabilities = change_set.tags, change_set.capabilities
            record.description = change_set.template.body.get("Description")
            if not creating:
                record.updated = now()
            self.stacks.events.bind(name, record.stack_id)
            self.stacks.start(name, lambda: self._deploy(change_set, record))
        return {}

    def _deploy(self, change_set: ChangeSet, record: StackRecord) -> None:
        try:
            state = self.engine.deploy(
                record.stack_name, change_set.template, change_set.parameters, stack_id=record.stack_id
            )
            change_set.execution_status = "EXECUTE_COMPLETE"
            with self.stacks.lock:
                if record.status.endswith("_IN_PROGRESS"):  # nothing to deploy (only the stack's tags changed)
                    record.status = state.status
                    self.stacks.events.stack_event(record.stack_name, record.stack_id, state.status)
        except RunnerError as exc:
            change_set.execution_status = "EXECUTE_FAILED"
            self._failed(record, str(exc))
        self.change_sets.remove(change_set)

    def _failed(self, record: StackRecord, reason: str) -> None:
        """A run that ended without a final stack status of its own (it failed before the engine started)."""
        with self.stacks.lock:
            if record.status.endswith("_IN_PROGRESS"):
                failed = "ROLLBACK_COMPLETE" if record.status.startswith("CREATE") else "UPDATE_ROLLBACK_COMPLETE"
                record.status, record.reason = failed, reason
                self.stacks.events.stack_event(record.stack_name, record.stack_id, failed, reason)

    # -- stacks ---------------------------------------------------------------------------------------------

    def create_stack(self, params: dict[str, Any]) -> dict[str, Any]:
        """CreateStack (``cdk deploy --method=direct``): a change set of type CREATE, executed at once."""
        return self._direct(params, "CREATE")

    def update_stack(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateStack: a change set of type UPDATE, executed at once; refused when it changes nothing."""
        return self._direct(params, "UPDATE")

    def _direct(self, params: dict[str, Any], kind: str) -> dict[str, Any]:
        op = protocol.operation("CreateChangeSet")
        assert op is not None and op.input_shape is not None
        shared = {k: v for k, v in params.items() if k in op.input_shape.members}
        name = f"direct-{uuid.uuid4().hex[:12]}"
        created = self.create_change_set({**shared, "ChangeSetName": name, "ChangeSetType": kind}, direct=True)
        change_set = self.change_sets.find(created["Id"], None)
        if change_set.status == "FAILED":
            self.change_sets.remove(change_set)
            if kind == "CREATE":
                self._gone(self.stacks.lookup(created["StackId"])[0])
            raise ValidationError(
                "No updates are to be performed." if change_set.reason == NO_CHANGES else change_set.reason
            )
        self.execute_change_set({"ChangeSetName": created["Id"]})
        return {"StackId": created["StackId"]}

    def delete_stack(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self.stacks.find(params["StackName"])
        if found is None:
            return {}  # CloudFormation: deleting a stack that does not exist succeeds
        record, state = found
        self.stacks.settle(record.stack_name)
        with self.stacks.lock:
            if record.deleted is not None:
                return {}
            name = record.stack_name
            if self.stacks.running(name):
                raise ValidationError(f"Stack [{name}] cannot be deleted while an operation is in progress")
            if record.termination_protection:
                raise ValidationError(f"Stack [{name}] cannot be deleted while TerminationProtection is enabled")
            self.stacks.events.bind(name, record.stack_id)
            if state is None:
                self.stacks.events.stack_event(name, record.stack_id, "DELETE_IN_PROGRESS", "User Initiated")
                self._gone(record)
                return {}
            record.status = "DELETE_IN_PROGRESS"
            self.stacks.start(name, lambda: self._destroy(record))
        return {}

    def _destroy(self, record: StackRecord) -> None:
        try:
            self.engine.destroy(record.stack_name)
        except RunnerError as exc:
            with self.stacks.lock:
                record.status, record.reason = "DELETE_FAILED", str(exc)
            return
        self._gone(record)

    def _gone(self, record: StackRecord) -> None:
        self.stacks.gone(record)
        self.change_sets.forget_stack(record.stack_id)

    def update_termination_protection(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self.stacks.lookup(params["StackName"])
        record.termination_protection = bool(params["EnableTerminationProtection"])
        return {"StackId": record.stack_id}


def _parameter_values(
    record: StackRecord, state: StackState | None, template: Template, given: list[dict[str, Any]]
) -> dict[str, str]:
    """Every parameter's value as sent: given ones, previous ones (``UsePreviousValue``), then defaults."""
    values: dict[str, str] = {}
    for item in given:
        key = str(item.get("ParameterKey"))
        if key not in template.parameters:
            raise ValidationError(f"Parameters: [{key}] do not exist in the template")
        if item.get("UsePreviousValue"):
            if state is None or key not in state.parameters:
                raise ValidationError(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a "
                    "parameter key not in the previous template"
                )
            values[key] = record.parameters.get(key, str(state.parameters[key]))
        elif "ParameterValue" in item:
            values[key] = item["ParameterValue"]
    missing = [k for k, spec in template.parameters.items() if k not in values and "Default" not in spec]
    if missing:
        raise ValidationError(f"Parameters: [{', '.join(missing)}] must have values")
    defaults = {k: str(spec["Default"]) for k, spec in template.parameters.items() if k not in values}
    return {**values, **defaults}
