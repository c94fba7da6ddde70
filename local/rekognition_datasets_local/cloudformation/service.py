"""The CloudFormation operations the CDK CLI uses, run by the runner's engine (one engine, two front doors).

Change sets are computed when created; ExecuteChangeSet and DeleteStack run the engine in a thread and the
stack's events come from the engine's status reports. Stacks deployed by ``rekognition-datasets deploy`` against
the same emulator are the same stacks here: both read and write the runner's state in the emulator's S3.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.cloudformation import changes as change_rules
from rekognition_datasets_local.cloudformation.changesets import NO_CHANGES, ChangeSet
from rekognition_datasets_local.cloudformation.errors import (
    AlreadyExists,
    ChangeSetNotFound,
    InvalidChangeSetStatus,
    ValidationError,
    stack_not_found,
)
from rekognition_datasets_local.cloudformation.events import EventLog
from rekognition_datasets_local.cloudformation.stacks import StackRecord, now, resource_shapes, stack_shape
from rekognition_datasets_local.cloudformation.templates import (
    check_capabilities,
    parameter_declarations,
    parse_template,
    required_capability,
    template_text,
)
from rekognition_datasets_local.runner.engine import ACCOUNT_ID
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.scope import StackScope
from rekognition_datasets_local.runner.template import Template

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from rekognition_datasets_local.runner.engine import Engine
    from rekognition_datasets_local.runner.state import StackState

_STABLE = ("_COMPLETE", "_FAILED")
#: Statuses from which a stack can only be deleted.
_NOT_UPDATABLE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED")


class CloudFormationService:
    """The API's operations over one engine; ``handlers()`` maps action names to them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = EventLog()
        engine.printer.observe(self._observe)
        self._lock = threading.RLock()
        self._records: dict[str, StackRecord] = {}  # by stack id
        self._current: dict[str, str] = {}  # stack name -> id of the stack that is not deleted
        self._change_sets: dict[str, ChangeSet] = {}  # by id
        self._running: dict[str, threading.Thread] = {}  # stack name -> operation

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "CreateChangeSet": self.create_change_set,
            "DescribeChangeSet": self.describe_change_set,
            "ExecuteChangeSet": self.execute_change_set,
            "DeleteChangeSet": self.delete_change_set,
            "ListChangeSets": self.list_change_sets,
            "DescribeStacks": self.describe_stacks,
            "ListStacks": self.list_stacks,
            "DescribeStackEvents": self.describe_stack_events,
            "DescribeStackResources": self.describe_stack_resources,
            "DescribeStackResource": self.describe_stack_resource,
            "ListStackResources": self.list_stack_resources,
            "GetTemplate": self.get_template,
            "GetTemplateSummary": self.get_template_summary,
            "DeleteStack": self.delete_stack,
            "UpdateTerminationProtection": self.update_termination_protection,
        }

    def wait(self) -> None:
        """Wait for every running operation (used when stopping)."""
        for thread in list(self._running.values()):
            thread.join()

    # -- stacks ---------------------------------------------------------------------------------------------

    def _observe(self, stack: str, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        self.events.record(stack, logical_id, resource_type, status, reason)
        if logical_id == stack and resource_type == "AWS::CloudFormation::Stack":
            with self._lock:
                record = self._records.get(self._current.get(stack, ""))
                if record is not None:
                    record.status = status
                    if reason:
                        record.reason = reason

    def _lookup(self, name_or_id: str) -> tuple[StackRecord, StackState | None]:
        """The stack's record and runner state; a deleted stack only by id (as CloudFormation)."""
        with self._lock:
            record = self._records.get(name_or_id) or self._records.get(self._current.get(name_or_id, ""))
        state = self.engine.store.load(record.stack_name if record else name_or_id)
        if record is not None and record.deleted is None:
            if state is not None and state.stack_id != record.stack_id:
                state = None  # a different stack of the same name
            return record, state
        if record is not None:  # deleted, asked for by id
            return record, None
        if state is None or (name_or_id.startswith("arn:") and name_or_id != state.stack_id):
            raise stack_not_found(name_or_id)
        return self._adopt(state), state

    def _adopt(self, state: StackState) -> StackRecord:
        """A record for a stack deployed through the other front door (``rekognition-datasets deploy``)."""
        with self._lock:
            record = StackRecord(state.stack_id, state.stack_name, state.status)
            self._records[state.stack_id] = record
            self._current[state.stack_name] = state.stack_id
            return record

    def _live(self, name: str) -> tuple[StackRecord, StackState | None] | None:
        try:
            return self._lookup(name)
        except ValidationError:
            return None

    def _status(self, record: StackRecord, state: StackState | None) -> str:
        """While an API operation runs, the status it reported last (the runner saves its state a step later);
        otherwise the runner's stored status, or the record's for a stack without state."""
        if state is None or (record.stack_name in self._running and record.deleted is None):
            return record.status
        return state.status

    def describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("StackName")
        names = [name] if name else sorted(set(self.engine.store.stack_names()) | set(self._current))
        stacks = []
        for each in names:
            found = self._lookup(each) if name else self._live(each)
            if found is not None:
                record, state = found
                template = Template.from_dict(state.template) if state else None
                stacks.append(stack_shape(record, self._status(record, state), state, template))
        return {"Stacks": stacks}

    def list_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = set(params.get("StackStatusFilter", []))
        for name in self.engine.store.stack_names():
            self._live(name)
        summaries = []
        with self._lock:
            records = list(self._records.values())
        for record in records:
            state = None if record.deleted else self.engine.store.load(record.stack_name)
            status = self._status(record, state)
            if wanted and status not in wanted:
                continue
            summary: dict[str, Any] = {
                "StackId": record.stack_id,
                "StackName": record.stack_name,
                "CreationTime": record.created,
                "StackStatus": status,
                "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
            }
            if record.deleted:
                summary["DeletionTime"] = record.deleted
            summaries.append(summary)
        return {"StackSummaries": summaries}

    def describe_stack_events(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self._lookup(params["StackName"])
        return {"StackEvents": [e.to_wire() for e in self.events.newest_first(record.stack_id)]}

    def _deployed(self, name: str) -> tuple[StackRecord, StackState]:
        record, state = self._lookup(name)
        if state is None:
            return record, _empty_state(record)
        return record, state

    def describe_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        if "StackName" not in params:
            raise ValidationError("StackName is required offline (lookup by PhysicalResourceId is not supported)")
        record, state = self._deployed(params["StackName"])
        shapes = resource_shapes(state, record)
        if "LogicalResourceId" in params:
            shapes = [s for s in shapes if s["LogicalResourceId"] == params["LogicalResourceId"]]
        return {"StackResources": shapes}

    def describe_stack_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        record, state = self._deployed(params["StackName"])
        for shape in resource_shapes(state, record):
            if shape["LogicalResourceId"] == params["LogicalResourceId"]:
                shape["LastUpdatedTimestamp"] = shape.pop("Timestamp")
                shape["Metadata"] = "{}"
                return {"StackResourceDetail": shape}
        raise ValidationError(f"Resource {params['LogicalResourceId']} does not exist for stack {params['StackName']}")

    def list_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        record, state = self._deployed(params["StackName"])
        summaries = []
        for shape in resource_shapes(state, record):
            shape["LastUpdatedTimestamp"] = shape.pop("Timestamp")
            del shape["StackName"], shape["StackId"]
            summaries.append(shape)
        return {"StackResourceSummaries": summaries}

    def get_template(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("ChangeSetName"):
            change_set = self._change_set(params["ChangeSetName"], params.get("StackName"))
            return {"TemplateBody": change_set.template_text, "StagesAvailable": ["Original", "Processed"]}
        record, state = self._lookup(params["StackName"])
        if state is None:  # [infer] a stack under review or rolled back holds no template: an empty one
            return {"TemplateBody": "{}", "StagesAvailable": ["Original", "Processed"]}
        text = record.template_text
        if text is None or parse_template(text).body != state.template:
            text = _json(state.template)
        return {"TemplateBody": text, "StagesAvailable": ["Original", "Processed"]}

    def get_template_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("StackName"):
            _, state = self._lookup(params["StackName"])
            if state is None:
                raise stack_not_found(params["StackName"])
            template = Template.from_dict(state.template)
        else:
            text = template_text(params, self.engine.clients.s3)
            template = parse_template(text, uploaded=params.get("TemplateBody") is None)
        body = template.body
        out: dict[str, Any] = {
            "Parameters": parameter_declarations(template),
            "ResourceTypes": sorted({r.type for r in template.resources.values()}),
            "Version": str(body.get("AWSTemplateFormatVersion", "2010-09-09")),
            "DeclaredTransforms": [],
            "ResourceIdentifierSummaries": [],
        }
        if "Description" in body:
            out["Description"] = str(body["Description"])
        if "Metadata" in body:
            out["Metadata"] = _json(body["Metadata"])
        needed = required_capability(template)
        if needed:
            out["Capabilities"] = [needed]
            out["CapabilitiesReason"] = "The template contains IAM resources."
        return out

    def update_termination_protection(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self._lookup(params["StackName"])
        record.termination_protection = bool(params["EnableTerminationProtection"])
        return {"StackId": record.stack_id}

    # -- change sets ----------------------------------------------------------------------------------------

    def create_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        name, kind = params["StackName"], params.get("ChangeSetType", "UPDATE")
        if kind == "IMPORT" or params.get("ResourcesToImport"):
            raise ValidationError("Resource import is not supported offline.")
        text = self._template_for(params)
        template = parse_template(text, uploaded=params.get("TemplateBody") is None)
        check_capabilities(template, params.get("Capabilities", []))
        with self._lock:
            found = self._live(name)
            record, state = found if found else (None, None)
            status = self._status(record, state) if record else None
            if kind == "CREATE" and record is not None and status != "REVIEW_IN_PROGRESS":
                raise AlreadyExists(f"Stack [{name}] already exists")
            if kind == "UPDATE" and (record is None or status == "REVIEW_IN_PROGRESS"):
                raise ValidationError(f"Stack [{name}] does not exist")
            busy = record is not None and (name in self._running or not str(status).endswith(_STABLE))
            if (busy and status != "REVIEW_IN_PROGRESS") or (kind == "UPDATE" and status in _NOT_UPDATABLE):
                assert record is not None
                raise ValidationError(f"Stack:{record.stack_id} is in {status} state and can not be updated.")
            if record is None:
                record = StackRecord(self.engine.new_stack_id(name), name, "REVIEW_IN_PROGRESS")
                self._records[record.stack_id] = record
                self._current[name] = record.stack_id
                self.events.stack_event(name, record.stack_id, "REVIEW_IN_PROGRESS", "User Initiated")
            change_set_name = params["ChangeSetName"]
            if any(c.name == change_set_name and c.stack_id == record.stack_id for c in self._change_sets.values()):
                raise AlreadyExists(f"ChangeSet {change_set_name} already exists")
            change_set = self._compute(record, state, template, text, params)
            self._change_sets[change_set.change_set_id] = change_set
        return {"Id": change_set.change_set_id, "StackId": record.stack_id}

    def _template_for(self, params: dict[str, Any]) -> str:
        if params.get("UsePreviousTemplate"):
            record, state = self._lookup(params["StackName"])
            if state is None:
                raise ValidationError("UsePreviousTemplate: the stack has no deployed template")
            return record.template_text or _json(state.template)
        return template_text(params, self.engine.clients.s3)

    def _compute(
        self,
        record: StackRecord,
        state: StackState | None,
        template: Template,
        text: str,
        params: dict[str, Any],
    ) -> ChangeSet:
        values = self._parameter_values(record, state, template, params.get("Parameters", []))
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
        if state is not None and state.template == dict(template.body) and state.parameters == resolved:
            same_tags = change_set.tags == record.tags
            if same_tags:
                change_set.status, change_set.execution_status, change_set.reason = "FAILED", "UNAVAILABLE", NO_CHANGES
        return change_set

    @staticmethod
    def _parameter_values(
        record: StackRecord, state: StackState | None, template: Template, given: list[dict[str, Any]]
    ) -> dict[str, str]:
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

    def _change_set(self, name_or_id: str, stack_name: str | None) -> ChangeSet:
        with self._lock:
            if name_or_id in self._change_sets:
                return self._change_sets[name_or_id]
            if name_or_id.startswith("arn:"):
                raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")
            if not stack_name:
                raise ValidationError("StackName must be specified if ChangeSetName is not specified as an ARN.")
            stack_id = self._current.get(stack_name, stack_name)
            for change_set in self._change_sets.values():
                if change_set.name == name_or_id and stack_id in (change_set.stack_id, change_set.stack_name):
                    return change_set
        raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")

    def describe_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        change_set = self._change_set(params["ChangeSetName"], params.get("StackName"))
        return change_set.describe(include_values=bool(params.get("IncludePropertyValues")))

    def list_change_sets(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self._lookup(params["StackName"])
        with self._lock:
            found = [c.summary() for c in self._change_sets.values() if c.stack_id == record.stack_id]
        return {"Summaries": found}

    def delete_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            change_set = self._change_set(params["ChangeSetName"], params.get("StackName"))
        except ChangeSetNotFound:
            # [infer] by name, an absent change set is no error: the CDK CLI deletes "if it exists" this way
            if params["ChangeSetName"].startswith("arn:"):
                raise
            return {}
        with self._lock:
            if change_set.execution_status == "EXECUTE_IN_PROGRESS":
                raise InvalidChangeSetStatus(f"Cannot delete ChangeSet in status {change_set.execution_status}")
            self._change_sets.pop(change_set.change_set_id, None)
        return {}

    def execute_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        change_set = self._change_set(params["ChangeSetName"], params.get("StackName"))
        with self._lock:
            if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
                raise InvalidChangeSetStatus(
                    f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of "
                    f"[{change_set.status}]"
                )
            name = change_set.stack_name
            if name in self._running:
                raise InvalidChangeSetStatus(f"Stack [{name}] has an operation in progress")
            record = self._records[change_set.stack_id]
            for other in self._change_sets.values():
                if other.stack_id == record.stack_id and other is not change_set:
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
            self.events.bind(name, record.stack_id)
            self._start(name, lambda: self._deploy(change_set, record))
        return {}

    def _deploy(self, change_set: ChangeSet, record: StackRecord) -> None:
        try:
            state = self.engine.deploy(
                record.stack_name, change_set.template, change_set.parameters, stack_id=record.stack_id
            )
            change_set.execution_status = "EXECUTE_COMPLETE"
            with self._lock:
                if record.status.endswith("_IN_PROGRESS"):  # nothing to deploy (only the stack's tags changed)
                    record.status = state.status
                    self.events.stack_event(record.stack_name, record.stack_id, state.status)
        except RunnerError as exc:
            change_set.execution_status = "EXECUTE_FAILED"
            self._failed(record, str(exc))
        with self._lock:
            self._change_sets.pop(change_set.change_set_id, None)

    def _failed(self, record: StackRecord, reason: str) -> None:
        """A run that ended without a final stack status of its own (it failed before the engine started)."""
        with self._lock:
            if record.status.endswith("_IN_PROGRESS"):
                failed = "ROLLBACK_COMPLETE" if record.status.startswith("CREATE") else "UPDATE_ROLLBACK_COMPLETE"
                record.status = failed
                record.reason = reason
                self.events.stack_event(record.stack_name, record.stack_id, failed, reason)

    def _start(self, stack_name: str, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            finally:
                with self._lock:
                    self._running.pop(stack_name, None)

        thread = threading.Thread(target=run, name=f"cloudformation-{stack_name}", daemon=True)
        self._running[stack_name] = thread
        thread.start()

    # -- delete ---------------------------------------------------------------------------------------------

    def delete_stack(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self._live(params["StackName"])
        if found is None:
            return {}  # CloudFormation: deleting a stack that does not exist succeeds
        record, state = found
        with self._lock:
            if record.deleted is not None:
                return {}
            name = record.stack_name
            if name in self._running:
                raise ValidationError(f"Stack [{name}] cannot be deleted while an operation is in progress")
            if record.termination_protection:
                raise ValidationError(f"Stack [{name}] cannot be deleted while TerminationProtection is enabled")
            self.events.bind(name, record.stack_id)
            if state is None:
                self.events.stack_event(name, record.stack_id, "DELETE_IN_PROGRESS", "User Initiated")
                self._gone(record)
                return {}
            record.status = "DELETE_IN_PROGRESS"
            self._start(name, lambda: self._destroy(record))
        return {}

    def _destroy(self, record: StackRecord) -> None:
        try:
            self.engine.destroy(record.stack_name)
        except RunnerError as exc:
            with self._lock:
                record.status, record.reason = "DELETE_FAILED", str(exc)
            return
        with self._lock:
            self._gone(record)

    def _gone(self, record: StackRecord) -> None:
        if record.status != "DELETE_COMPLETE":
            self.events.stack_event(record.stack_name, record.stack_id, "DELETE_COMPLETE")
        record.status, record.deleted = "DELETE_COMPLETE", now()
        if self._current.get(record.stack_name) == record.stack_id:
            del self._current[record.stack_name]
        for key in [k for k, c in self._change_sets.items() if c.stack_id == record.stack_id]:
            del self._change_sets[key]


def _empty_state(record: StackRecord) -> StackState:
    from rekognition_datasets_local.runner.state import StackState

    return StackState(stack_name=record.stack_name, stack_id=record.stack_id, status=record.status, template={})


def _json(body: Mapping[str, Any]) -> str:
    import json

    return json.dumps(body, indent=1)
