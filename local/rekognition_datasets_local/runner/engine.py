"""Stack operations as CloudFormation runs them: create, update (with cleanup), rollback, delete.

Resources run in parallel as soon as their dependencies are done (graphlib). A failure cancels resources still
waiting, then rolls the stack back: a failed create deletes what it created; a failed update re-sends Update
with the old properties to updated resources and deletes the resources it created.
"""

from __future__ import annotations

import copy
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner import graph, quotas
from rekognition_datasets_local.runner.errors import Cancelled, Refused, ResourceFailed, RunnerError, TemplateError
from rekognition_datasets_local.runner.resources import handler_for
from rekognition_datasets_local.runner.resources.base import Deployment, RunnerConfig
from rekognition_datasets_local.runner.scope import StackScope
from rekognition_datasets_local.runner.state import ResourceState, StackState, StateStore
from rekognition_datasets_local.runner.template import ResourceDef, Template

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from rekognition_datasets_local.runner.cfn_response import ResponseReceiver
    from rekognition_datasets_local.runner.clients import Clients
    from rekognition_datasets_local.runner.lambda_host import LambdaHost
    from rekognition_datasets_local.runner.output import Printer

#: The moto/emulator account.
ACCOUNT_ID = "123456789012"
_MAX_PARALLEL = 8
_REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."


class StackFailed(RunnerError):
    """A stack operation failed; ``failures`` maps logical ids to the reasons."""

    def __init__(self, stack: str, status: str, failures: Mapping[str, str]) -> None:
        first = next(iter(failures.items()), ("", ""))
        super().__init__(f"{stack} {status}: {first[0]}: {first[1]}")
        self.stack = stack
        self.status = status
        self.failures = dict(failures)


@dataclass
class _Change:
    """What the forward phase did to one resource (for rollback and cleanup)."""

    logical_id: str
    action: str  # "create" | "update" | "replace"
    old: ResourceState | None = None
    new: ResourceState | None = None
    attempted: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Operation:
    state: StackState
    deployment: Deployment
    changes: list[_Change] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Engine:
    """Deploys and destroys stacks against the emulator, keeping their state in the emulator's S3."""

    def __init__(
        self,
        clients: Clients,
        host: LambdaHost,
        printer: Printer,
        workdir: Path,
        config: RunnerConfig | None = None,
    ) -> None:
        self.clients = clients
        self.host = host
        self.printer = printer
        self.store = StateStore(clients.s3)
        self.config = config or RunnerConfig()
        self.region = clients.region
        self._code_cache = workdir / "code"
        self._code_cache.mkdir(parents=True, exist_ok=True)
        self._receiver: ResponseReceiver | None = None
        self._receiver_lock = threading.Lock()

    def response_receiver(self) -> ResponseReceiver:
        """The HTTPS ResponseURL server for handlers that answer CloudFormation themselves (started on first use)."""
        with self._receiver_lock:
            if self._receiver is None:
                from rekognition_datasets_local.runner.cfn_response import ResponseReceiver

                self._receiver = ResponseReceiver().start()
            return self._receiver

    def close(self) -> None:
        """Stop the ResponseURL server, if it was started."""
        if self._receiver is not None:
            self._receiver.stop()

    # -- deployment context -------------------------------------------------------------------------------

    def _deployment(self, state: StackState) -> Deployment:
        return Deployment(
            stack_name=state.stack_name,
            stack_id=state.stack_id,
            account=ACCOUNT_ID,
            region=self.region,
            clients=self.clients,
            host=self.host,
            code_cache=self._code_cache,
            config=self.config,
            resources=state.resources,
            note=lambda logical_id, message: self.printer.note(state.stack_name, logical_id, message),
            response_receiver=self.response_receiver,
        )

    def _scope(self, template: Template, state: StackState) -> StackScope:
        return StackScope(
            template,
            stack_name=state.stack_name,
            stack_id=state.stack_id,
            account=ACCOUNT_ID,
            region=self.region,
            parameters=state.parameters,
            resources=state.resources,
        )

    def _status(self, state: StackState, logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
        self.printer.status(state.stack_name, logical_id, resource_type, status, reason)

    def _save(self, op: _Operation) -> None:
        with op.lock:
            self.store.save(op.state)

    # -- deploy -------------------------------------------------------------------------------------------

    def deploy(
        self,
        stack_name: str,
        template: Template,
        parameters: Mapping[str, str] | None = None,
        *,
        stack_id: str | None = None,
    ) -> StackState:
        """Create or update the stack; raises StackFailed after rolling back. ``stack_id`` names a new stack (the
        id a change set already gave it); by default one is made up."""
        quotas.check_template(template)
        old = self.store.load(stack_name)
        if old is not None and old.status.endswith("_IN_PROGRESS"):
            raise RunnerError(f"{stack_name} is in state {old.status} (an interrupted run): destroy it first")
        creating = old is None
        if (
            old is not None
            and old.template == dict(template.body)
            and old.parameters == template.parameter_values(parameters)
        ):
            self.printer.line(f" ✅  {stack_name} (no changes)")
            return old
        stack_id = old.stack_id if old else (stack_id or self.new_stack_id(stack_name))
        state = StackState(
            stack_name=stack_name,
            stack_id=stack_id,
            status="CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS",
            template=dict(template.body),
            parameters=template.parameter_values(parameters),
            resources=copy.deepcopy(old.resources) if old else {},
        )
        op = _Operation(state, self._deployment(state))
        scope = self._scope(template, state)
        wanted = {lid for lid in template.resources if scope.included(lid)}
        deps = {lid: needed & wanted for lid, needed in graph.dependencies(template).items() if lid in wanted}
        self.printer.begin(len(wanted) + len(set(state.resources) - wanted))
        self._status(state, stack_name, "AWS::CloudFormation::Stack", state.status)
        if template.body.get("Rules"):
            self.printer.note(
                stack_name, "Rules", "not evaluated offline (CloudFormation checks them before deploying)"
            )
        self._save(op)
        self._run_graph(op, deps, lambda lid: self._apply(op, scope, template.resources[lid], old))
        if op.failures:
            return self._rollback(op, old)
        return self._finish(op, template, scope, old, wanted)

    def new_stack_id(self, stack_name: str) -> str:
        """A fresh stack ARN, as CloudFormation makes one."""
        return f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{stack_name}/{uuid.uuid4()}"

    def _apply(self, op: _Operation, scope: StackScope, resource: ResourceDef, old: StackState | None) -> None:
        lid = resource.logical_id
        previous = old.resources.get(lid) if old else None
        failed_status = "UPDATE_FAILED" if previous else "CREATE_FAILED"
        try:
            try:
                props = scope.resolver.resolve(resource.properties)
            except TemplateError as exc:
                raise ResourceFailed(str(exc)) from exc
            handler = handler_for(resource.type)
            if previous is None or previous.type != resource.type or previous.properties != props:
                quotas.check_resource(op.state.resources, lid, resource.type, props)
            if previous is None:
                self._create(op, resource, props, None)
            elif previous.type == resource.type and previous.properties == props:
                self._unchanged(op, previous, resource)
            elif previous.type == resource.type and not handler.requires_replacement(previous.properties, props):
                self._update(op, resource, props, previous)
            else:
                self._status(op.state, lid, resource.type, "UPDATE_IN_PROGRESS", _REPLACING)
                self._create(op, resource, props, previous)
        except ResourceFailed as exc:
            reason = exc.reason if not isinstance(exc, Cancelled) or previous is None else "Resource update cancelled"
            self._status(op.state, lid, resource.type, failed_status, reason)
            raise

    def _update(self, op: _Operation, resource: ResourceDef, props: dict[str, Any], previous: ResourceState) -> None:
        lid = resource.logical_id
        self._status(op.state, lid, resource.type, "UPDATE_IN_PROGRESS")
        change = _Change(lid, "update", old=previous, attempted=props)
        with op.lock:
            op.changes.append(change)
        try:
            outcome = handler_for(resource.type).update(op.deployment, previous, props)
        except Refused:
            with op.lock:
                op.changes.remove(change)
            raise
        if outcome.physical_id != previous.physical_id:
            change.action = "replace"
        change.new = self._new_state(resource, outcome.physical_id, props, outcome.attributes, "UPDATE_COMPLETE")
        self._store(op, change.new)
        self._status(op.state, lid, resource.type, "UPDATE_COMPLETE")

    def _create(
        self, op: _Operation, resource: ResourceDef, props: dict[str, Any], previous: ResourceState | None
    ) -> None:
        lid = resource.logical_id
        change = _Change(lid, "replace" if previous else "create", old=previous, attempted=props)
        with op.lock:
            op.changes.append(change)
        if previous is None:
            self._status(op.state, lid, resource.type, "CREATE_IN_PROGRESS")
        try:
            outcome = handler_for(resource.type).create(op.deployment, lid, resource.type, props)
        except ResourceFailed as exc:
            failed_id = exc.physical_id or self._made_up_id(op.state, lid)
            change.new = self._new_state(resource, failed_id, props, {}, "CREATE_FAILED")
            raise
        status = "UPDATE_COMPLETE" if previous else "CREATE_COMPLETE"
        change.new = self._new_state(resource, outcome.physical_id, props, outcome.attributes, status)
        self._store(op, change.new)
        self._status(op.state, lid, resource.type, status)

    @staticmethod
    def _made_up_id(state: StackState, logical_id: str) -> str:
        """The id CloudFormation invents when a create never answered (cancelled or timed out)."""
        return f"{state.stack_name}-{logical_id}-{uuid.uuid4().hex[:12].upper()}"

    @staticmethod
    def _new_state(
        resource: ResourceDef, physical_id: str, props: dict[str, Any], attributes: Mapping[str, Any], status: str
    ) -> ResourceState:
        return ResourceState(
            logical_id=resource.logical_id,
            type=resource.type,
            physical_id=physical_id,
            properties=props,
            attributes=dict(attributes),
            status=status,
            deletion_policy=resource.deletion_policy,
            update_replace_policy=resource.update_replace_policy,
            # every dependency (DependsOn and references), so a resource that later leaves the template is still
            # deleted before what it needed
            depends_on=sorted(set(resource.depends_on) | set(graph.references(resource.properties))),
        )

    def _unchanged(self, op: _Operation, previous: ResourceState, resource: ResourceDef) -> None:
        """No property change: CloudFormation sends no request (the policies may still have changed)."""
        kept = copy.deepcopy(previous)
        kept.deletion_policy = resource.deletion_policy
        kept.update_replace_policy = resource.update_replace_policy
        self._store(op, kept)
        self.printer.skip()

    def _store(self, op: _Operation, resource: ResourceState) -> None:
        with op.lock:
            op.state.resources[resource.logical_id] = resource
            self.store.save(op.state)

    # -- success: cleanup and outputs ---------------------------------------------------------------------

    def _finish(
        self, op: _Operation, template: Template, scope: StackScope, old: StackState | None, wanted: set[str]
    ) -> StackState:
        state = op.state
        if old is not None:
            state.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            self._status(state, state.stack_name, "AWS::CloudFormation::Stack", state.status)
            self._cleanup(op, old, wanted)
        state.outputs = {}
        for name, spec in template.outputs.items():
            try:
                state.outputs[name] = scope.resolver.resolve(spec.get("Value"))
            except (TemplateError, ResourceFailed) as exc:
                self.printer.note(state.stack_name, f"Outputs.{name}", f"not resolved: {exc}")
        state.status = "UPDATE_COMPLETE" if old is not None else "CREATE_COMPLETE"
        self._save(op)
        self._status(state, state.stack_name, "AWS::CloudFormation::Stack", state.status)
        return state

    def _cleanup(self, op: _Operation, old: StackState, wanted: set[str]) -> None:
        """Delete replaced physical resources and resources no longer in the template (old graph, reversed)."""
        doomed: dict[str, ResourceState] = {}
        for change in op.changes:
            if change.action == "replace" and change.old is not None:
                doomed[change.logical_id] = change.old
        for lid, resource in old.resources.items():
            if lid not in wanted:
                doomed[lid] = resource
                op.state.resources.pop(lid, None)
        if doomed:
            self.printer.recount(len(doomed))
        old_graph = self._state_graph(old)
        deps = {lid: {n for n in old_graph.get(lid, set()) if n in doomed} for lid in doomed}
        order = graph.reverse_graph(deps)
        cleanup = _Operation(op.state, self._deployment(op.state))
        cleanup.deployment.resources = {**old.resources, **op.state.resources}
        replaced = {c.logical_id for c in op.changes if c.action == "replace"}
        self._run_graph(
            cleanup,
            order,
            lambda lid: self._delete(cleanup, doomed[lid], replacing=lid in replaced, remove=False),
            stop_on_failure=False,
        )
        self._save(op)

    # -- rollback -----------------------------------------------------------------------------------------

    def _rollback(self, op: _Operation, old: StackState | None) -> StackState:
        state = op.state
        failures = dict(op.failures)
        rolling = "ROLLBACK_IN_PROGRESS" if old is None else "UPDATE_ROLLBACK_IN_PROGRESS"
        state.status = rolling
        self._save(op)
        self._status(
            state,
            state.stack_name,
            "AWS::CloudFormation::Stack",
            rolling,
            "The following resource(s) failed: " + ", ".join(sorted(failures)),
        )
        self.printer.recount(len(op.changes))
        back = _Operation(state, self._deployment(state))
        back.deployment.resources = {**(old.resources if old else {}), **state.resources}
        for change in reversed(op.changes):
            self._undo(back, change)
        if old is None:
            self.store.delete(state.stack_name)
            state.status = "ROLLBACK_COMPLETE" if not back.failures else "ROLLBACK_FAILED"
        else:
            state.resources = copy.deepcopy(old.resources)
            state.status = "UPDATE_ROLLBACK_COMPLETE" if not back.failures else "UPDATE_ROLLBACK_FAILED"
            state.template = old.template
            state.parameters = old.parameters
            state.outputs = old.outputs
            self._save(back)
        self._status(state, state.stack_name, "AWS::CloudFormation::Stack", state.status)
        raise StackFailed(state.stack_name, state.status, failures)

    def _undo(self, back: _Operation, change: _Change) -> None:
        """Roll one forward change back: delete what was created, re-send Update with the old properties."""
        if change.action == "update" and change.old is not None:
            self._roll_update(back, change)
        elif change.new is not None:
            self._delete(back, change.new, replacing=False, remove=False, rollback=True)

    def _roll_update(self, back: _Operation, change: _Change) -> None:
        assert change.old is not None
        current = copy.deepcopy(change.old)
        current.properties = change.attempted
        self._status(back.state, change.logical_id, current.type, "UPDATE_IN_PROGRESS")
        try:
            handler_for(current.type).update(back.deployment, current, change.old.properties)
        except ResourceFailed as exc:
            back.failures[change.logical_id] = exc.reason
            self._status(back.state, change.logical_id, current.type, "UPDATE_FAILED", exc.reason)
            return
        self._status(back.state, change.logical_id, current.type, "UPDATE_COMPLETE")

    # -- delete -------------------------------------------------------------------------------------------

    def _delete(
        self, op: _Operation, resource: ResourceState, *, replacing: bool, remove: bool, rollback: bool = False
    ) -> None:
        lid = resource.logical_id
        policy = resource.update_replace_policy if replacing else resource.deletion_policy
        if policy in ("Retain", "RetainExceptOnCreate") and not rollback:
            self._status(op.state, lid, resource.type, "DELETE_SKIPPED")
            if remove:
                self._forget(op, lid)
            return
        self._status(op.state, lid, resource.type, "DELETE_IN_PROGRESS")
        try:
            handler_for(resource.type).delete(op.deployment, resource)
        except ResourceFailed as exc:
            with op.lock:
                op.failures[lid] = exc.reason
            self._status(op.state, lid, resource.type, "DELETE_FAILED", exc.reason)
            return
        if remove:
            self._forget(op, lid)
        self._status(op.state, lid, resource.type, "DELETE_COMPLETE")

    def _forget(self, op: _Operation, logical_id: str) -> None:
        with op.lock:
            op.state.resources.pop(logical_id, None)
            self.store.save(op.state)

    def destroy(self, stack_name: str) -> bool:
        """Delete the stack's resources in reverse dependency order; False when the stack does not exist."""
        state = self.store.load(stack_name)
        if state is None:
            return False
        state.status = "DELETE_IN_PROGRESS"
        op = _Operation(state, self._deployment(state))
        self.printer.begin(len(state.resources))
        self._status(state, stack_name, "AWS::CloudFormation::Stack", state.status)
        self._save(op)
        order = graph.reverse_graph(self._state_graph(state))
        resources = dict(state.resources)
        self._run_graph(
            op, order, lambda lid: self._delete(op, resources[lid], replacing=False, remove=True), stop_on_failure=False
        )
        if op.failures:
            state.status = "DELETE_FAILED"
            self._save(op)
            self._status(state, stack_name, "AWS::CloudFormation::Stack", state.status)
            raise StackFailed(stack_name, state.status, op.failures)
        self.store.delete(stack_name)
        self._status(state, stack_name, "AWS::CloudFormation::Stack", "DELETE_COMPLETE")
        return True

    @staticmethod
    def _state_graph(state: StackState) -> dict[str, set[str]]:
        """Dependencies among the stack's deployed resources, from its stored template."""
        deployed = set(state.resources)
        try:
            full = graph.dependencies(Template.from_dict(state.template))
        except TemplateError:
            full = {}
        return {
            lid: ({n for n in full.get(lid, set()) if n in deployed} | set(state.resources[lid].depends_on)) & deployed
            for lid in deployed
        }

    # -- scheduling ---------------------------------------------------------------------------------------

    def _run_graph(
        self,
        op: _Operation,
        deps: Mapping[str, set[str]],
        action: Callable[[str], None],
        *,
        stop_on_failure: bool = True,
    ) -> None:
        """Run ``action`` per node once its dependencies are done, in parallel; record failures in ``op``."""
        sorter = graph.sorter(deps)
        running: dict[Future[None], str] = {}
        with ThreadPoolExecutor(max_workers=_MAX_PARALLEL) as pool:
            while sorter.is_active():
                if not (op.failures and stop_on_failure):
                    for lid in sorted(sorter.get_ready()):
                        running[pool.submit(action, lid)] = lid
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    lid = running.pop(future)
                    self._settle(op, lid, future)
                    sorter.done(lid)

    def _settle(self, op: _Operation, logical_id: str, future: Future[None]) -> None:
        exc = future.exception()
        if exc is None:
            return
        if not isinstance(exc, ResourceFailed):
            exc = ResourceFailed(f"Internal failure: {type(exc).__name__}: {exc}")
            self.printer.note(op.state.stack_name, logical_id, exc.reason)
        with op.lock:
            op.failures.setdefault(logical_id, exc.reason)
        op.deployment.cancel.set()
