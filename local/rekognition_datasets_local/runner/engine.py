"""Stack operations as CloudFormation runs them: create, update (with cleanup), rollback, delete.

Resources run in parallel as soon as their dependencies are done (graphlib). A failure cancels resources still
waiting, then rolls the stack back: a failed create deletes what it created; a failed update re-sends Update
with the old properties to updated resources (recording the physical id each answer names, and deleting in
cleanup the one it replaced) and deletes the resources it created.

State is written ahead of every step (see ``state``); one run per stack holds its lock. A stack left
interrupted or failed is recovered by the next command: ``deploy`` rolls the interrupted operation back (or
finishes its cleanup, or its delete) before applying the template, ``destroy`` deletes everything the state
knows, including requests that never answered.
"""

from __future__ import annotations

import copy
import os
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner import graph, quotas, steps
from rekognition_datasets_local.runner.errors import Cancelled, Refused, ResourceFailed, RunnerError, TemplateError
from rekognition_datasets_local.runner.lock import StackLocks
from rekognition_datasets_local.runner.resources import claimed_id, handler_for
from rekognition_datasets_local.runner.resources.base import Deployment, RunnerConfig
from rekognition_datasets_local.runner.scope import StackScope
from rekognition_datasets_local.runner.state import Change, ResourceState, StackState, StateStore
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
#: Statuses of a run that stopped before it finished its forward or rollback phase: recovery rolls it back.
_ROLLED_BACK_ON_RECOVERY = frozenset(
    {
        "CREATE_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_FAILED",
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_FAILED",
    }
)
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
class _Operation:
    state: StackState
    deployment: Deployment
    failures: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: A rollback's previous template (None: a create's rollback, or unreadable), parsed once.
    previous: Template | None = None


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
        self.locks = StackLocks(clients.s3, self.store.bucket)
        #: Called with each step's name once the state ahead of it is written (see ``steps``).
        self.on_step: Callable[[str], None] | None = steps.from_environment(os.environ)

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

    def _step(self, name: str) -> None:
        if self.on_step is not None:
            self.on_step(name)

    def _stack_status(self, op: _Operation, status: str, reason: str = "") -> None:
        """Write the stack's new status, then report it."""
        op.state.status = status
        self._save(op)
        self._status(op.state, op.state.stack_name, "AWS::CloudFormation::Stack", status, reason)
        self._step(f"stack {status}")

    # -- deploy -------------------------------------------------------------------------------------------

    def deploy(
        self,
        stack_name: str,
        template: Template,
        parameters: Mapping[str, str] | None = None,
        *,
        stack_id: str | None = None,
    ) -> StackState:
        """Create or update the stack (recovering an interrupted run first); raises StackFailed after rolling back.
        ``stack_id`` names a new stack (the id a change set already gave it); by default one is made up."""
        quotas.check_template(template)
        self.store.ensure_bucket()
        with self.locks.hold(stack_name, "deploy"):
            old = self.store.load(stack_name)
            if old is not None and not old.stable:
                old = self.recover(old)
            return self._deploy(stack_name, template, parameters, old, stack_id)

    def _deploy(
        self,
        stack_name: str,
        template: Template,
        parameters: Mapping[str, str] | None,
        old: StackState | None,
        stack_id: str | None,
    ) -> StackState:
        values = template.parameter_values(parameters)
        if old is not None and old.template == dict(template.body) and old.parameters == values:
            self.printer.line(f" ✅  {stack_name} (no changes)")
            return old
        stack_id = old.stack_id if old else (stack_id or self.new_stack_id(stack_name))
        state = StackState(
            stack_name=stack_name,
            stack_id=stack_id,
            status="CREATE_IN_PROGRESS" if old is None else "UPDATE_IN_PROGRESS",
            template=dict(template.body),
            parameters=values,
            resources=copy.deepcopy(old.resources) if old else {},
            previous=copy.deepcopy(old),
        )
        op = _Operation(state, self._deployment(state))
        scope = self._scope(template, state)
        wanted = {lid for lid in template.resources if scope.included(lid)}
        deps = {lid: needed & wanted for lid, needed in graph.dependencies(template).items() if lid in wanted}
        self.printer.begin(len(wanted) + len(set(state.resources) - wanted))
        self._stack_status(op, state.status)
        if template.body.get("Rules"):
            self.printer.note(
                stack_name, "Rules", "not evaluated offline (CloudFormation checks them before deploying)"
            )
        self._run_graph(op, deps, lambda lid: self._apply(op, scope, template.resources[lid], old))
        if op.failures:
            failures = dict(op.failures)
            rolling = "ROLLBACK_IN_PROGRESS" if old is None else "UPDATE_ROLLBACK_IN_PROGRESS"
            self._stack_status(op, rolling, "The following resource(s) failed: " + ", ".join(sorted(failures)))
            self._roll_back(state)
            raise StackFailed(state.stack_name, state.status, failures)
        return self._finish(op, template, scope, wanted)

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
        except Cancelled as exc:
            cancelled = Cancelled("update") if previous else exc
            self._status(op.state, lid, resource.type, failed_status, cancelled.reason)
            raise cancelled from None
        except ResourceFailed as exc:
            self._status(op.state, lid, resource.type, failed_status, exc.reason)
            raise

    def _journal(self, op: _Operation, change: Change) -> None:
        with op.lock:
            op.state.changes.append(change)
            self.store.save(op.state)

    def _update(self, op: _Operation, resource: ResourceDef, props: dict[str, Any], previous: ResourceState) -> None:
        lid = resource.logical_id
        self._status(op.state, lid, resource.type, "UPDATE_IN_PROGRESS")
        change = Change(lid, "update", old=previous, attempted=props)
        self._journal(op, change)
        self._step(f"update {lid}")
        try:
            outcome = handler_for(resource.type).update(op.deployment, previous, props)
        except Refused:
            with op.lock:
                op.state.changes.remove(change)
                self.store.save(op.state)
            raise
        self._step(f"updated {lid}")
        change.new = self._new_state(resource, outcome.physical_id, props, outcome.attributes, "UPDATE_COMPLETE")
        self._store(op, change.new)
        self._status(op.state, lid, resource.type, "UPDATE_COMPLETE")

    def _create(
        self, op: _Operation, resource: ResourceDef, props: dict[str, Any], previous: ResourceState | None
    ) -> None:
        lid = resource.logical_id
        # written before the request: the id a Delete of an unanswered Create carries (a project's is its free name)
        claimed = claimed_id(op.deployment, resource.type, props) or self._made_up_id(op.state, lid)
        pending = self._new_state(resource, claimed, props, {}, "CREATE_IN_PROGRESS")
        change = Change(lid, "replace" if previous else "create", old=previous, new=pending, attempted=props)
        if previous is None:
            self._status(op.state, lid, resource.type, "CREATE_IN_PROGRESS")
        self._journal(op, change)
        self._step(f"create {lid}")
        try:
            outcome = handler_for(resource.type).create(op.deployment, lid, resource.type, props)
        except ResourceFailed as exc:
            # an answered failure holds nothing under the claimed id: Delete the made-up one, as CloudFormation does
            failed_id = exc.physical_id or self._made_up_id(op.state, lid)
            change.new = self._new_state(resource, failed_id, props, {}, "CREATE_FAILED")
            self._save(op)
            raise
        self._step(f"created {lid}")
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

    def _finish(self, op: _Operation, template: Template, scope: StackScope, wanted: set[str]) -> StackState:
        state = op.state
        updating = state.previous is not None
        state.outputs = {}
        for name, spec in template.outputs.items():
            try:
                state.outputs[name] = scope.resolver.resolve(spec.get("Value"))
            except (TemplateError, ResourceFailed) as exc:
                self.printer.note(state.stack_name, f"Outputs.{name}", f"not resolved: {exc}")
        if updating:
            # replaced physical resources (a new id from Update too) and resources no longer in the template
            state.cleanup = [
                _replaced(c.old) for c in state.changes if c.old and c.new and c.new.physical_id != c.old.physical_id
            ]
            state.cleanup += [r for lid, r in state.resources.items() if lid not in wanted]
            for lid in [lid for lid in state.resources if lid not in wanted]:
                del state.resources[lid]
        state.changes = []
        state.previous = None
        if updating:
            self._stack_status(op, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            self._cleanup(state)
        self._stack_status(op, "UPDATE_COMPLETE" if updating else "CREATE_COMPLETE")
        return state

    def _cleanup(self, state: StackState) -> None:
        """Delete ``state.cleanup`` (dependents first), dropping each from the state once deleted."""
        doomed = {r.logical_id: r for r in state.cleanup}
        if not doomed:
            return
        self.printer.recount(len(doomed))
        deps = {lid: set(r.depends_on) & set(doomed) for lid, r in doomed.items()}
        op = _Operation(state, self._deployment(state))
        op.deployment.resources = {**doomed, **state.resources}

        def delete(lid: str) -> bool:
            if not self._delete(op, doomed[lid]):
                return False
            with op.lock:
                state.cleanup = [r for r in state.cleanup if r is not doomed[lid]]
                self.store.save(state)
            return True

        self._run_graph(op, graph.reverse_graph(deps), delete, stop_on_failure=False)
        state.cleanup = []  # [infer] a failed cleanup Delete leaves the resource behind, as CloudFormation does

    # -- rollback -----------------------------------------------------------------------------------------

    def _roll_back(self, state: StackState) -> dict[str, str]:
        """Undo ``state.changes``, journaling each; the stack ends rolled back or *ROLLBACK_FAILED."""
        old = state.previous
        back = _Operation(state, self._deployment(state), previous=_template_of(old))
        back.deployment.resources = {**(old.resources if old else {}), **state.resources}
        self.printer.recount(len(state.changes))
        # [infer] As CloudFormation rolls back, an update to the previous template: what the update changed in
        # place goes back first, in the previous template's dependency order, each resolved against the resources
        # as they are then; what it created or replaced is deleted after, latest first.
        updates = _in_order_of(back.previous, [c for c in state.changes if c.action == "update" and c.old is not None])
        for change in [*updates, *(c for c in reversed(list(state.changes)) if c not in updates)]:
            if self._undo(back, change):
                state.changes.remove(change)
                self._save(back)
        if back.failures:
            self._stack_status(back, "ROLLBACK_FAILED" if old is None else "UPDATE_ROLLBACK_FAILED")
            return back.failures
        if old is None:
            self.store.delete(state.stack_name)
            state.status = "ROLLBACK_COMPLETE"
            self._status(state, state.stack_name, "AWS::CloudFormation::Stack", state.status)
            return {}
        for lid, resource in old.resources.items():  # untouched resources get their old policies back
            if lid in state.resources and state.resources[lid].physical_id == resource.physical_id:
                state.resources[lid] = resource
        state.template, state.parameters, state.outputs = old.template, old.parameters, old.outputs
        state.previous = None
        if state.cleanup:
            self._stack_status(back, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
            self._cleanup(state)
        self._stack_status(back, "UPDATE_ROLLBACK_COMPLETE")
        return {}

    def _undo(self, back: _Operation, change: Change) -> bool:
        """Roll one change back: re-send Update with the old properties, or delete what was created."""
        if change.action == "update" and change.old is not None:
            return self._roll_update(back, change)
        if change.new is not None and not self._delete(back, change.new, rollback=True):
            return False
        with back.lock:
            if change.old is not None:
                back.state.resources[change.logical_id] = change.old
            else:
                back.state.resources.pop(change.logical_id, None)
        return True

    def _roll_update(self, back: _Operation, change: Change) -> bool:
        """Update back to the old properties; record the id the answer names, and clean up the one it replaced."""
        assert change.old is not None
        current = copy.deepcopy(change.new or change.old)
        current.properties = change.attempted
        lid = change.logical_id
        props = self._previous_properties(back, change)
        self._status(back.state, lid, current.type, "UPDATE_IN_PROGRESS")
        self._step(f"rollback-update {lid}")
        try:
            outcome = handler_for(current.type).update(back.deployment, current, props)
        except ResourceFailed as exc:
            back.failures[lid] = exc.reason
            self._status(back.state, lid, current.type, "UPDATE_FAILED", exc.reason)
            return False
        self._step(f"rollback-updated {lid}")
        restored = copy.deepcopy(change.old)
        restored.properties = props
        restored.physical_id = outcome.physical_id
        restored.attributes = dict(outcome.attributes)
        with back.lock:
            back.state.resources[lid] = restored
            if outcome.physical_id != current.physical_id:
                back.state.cleanup.append(_replaced(current))
        self._status(back.state, lid, current.type, "UPDATE_COMPLETE")
        return True

    def _previous_properties(self, back: _Operation, change: Change) -> dict[str, Any]:
        """``change``'s resource in the previous template, resolved against the resources as they are now (a
        dependency the rollback rebuilt under a new id is named by that id; a replaced one by its old id)."""
        assert change.old is not None
        state, template = back.state, back.previous
        definition = template.resources.get(change.logical_id) if template is not None else None
        if template is None or definition is None or state.previous is None:
            return change.old.properties
        live = dict(state.resources)
        live.update({c.logical_id: c.old for c in state.changes if c.action == "replace" and c.old is not None})
        scope = StackScope(
            template,
            stack_name=state.stack_name,
            stack_id=state.stack_id,
            account=ACCOUNT_ID,
            region=self.region,
            parameters=state.previous.parameters,
            resources=live,
        )
        try:
            resolved: dict[str, Any] = scope.resolver.resolve(definition.properties)
        except (TemplateError, ResourceFailed):
            return change.old.properties  # as recorded: what the previous deploy sent
        return resolved

    # -- recovery -----------------------------------------------------------------------------------------

    def recover(self, state: StackState) -> StackState | None:
        """Finish what an interrupted or failed run left: roll it back, finish its cleanup, or its delete.

        Returns the stable stack, or None when nothing is left of it; raises StackFailed when that fails.
        """
        name = state.stack_name
        self.printer.line(f"{name}: {state.status} (a run was interrupted or failed): recovering it first")
        op = _Operation(state, self._deployment(state))
        if state.status.startswith("DELETE"):
            self._delete_all(state)
            return None
        if state.changes or state.status in _ROLLED_BACK_ON_RECOVERY:
            creating = state.previous is None
            self._stack_status(op, "ROLLBACK_IN_PROGRESS" if creating else "UPDATE_ROLLBACK_IN_PROGRESS")
            if failures := self._roll_back(state):
                raise StackFailed(name, state.status, failures)
            return None if creating else state
        self._cleanup(state)
        final = "UPDATE_COMPLETE" if state.status.startswith("UPDATE_COMPLETE") else "UPDATE_ROLLBACK_COMPLETE"
        self._stack_status(op, final if state.status.endswith("IN_PROGRESS") else state.status)
        return state

    # -- delete -------------------------------------------------------------------------------------------

    def _delete(self, op: _Operation, resource: ResourceState, *, rollback: bool = False) -> bool:
        """Delete per the resource's DeletionPolicy (a rollback deletes what it created regardless); True if done."""
        lid = resource.logical_id
        if resource.deletion_policy in ("Retain", "RetainExceptOnCreate") and not rollback:
            self._status(op.state, lid, resource.type, "DELETE_SKIPPED")
            return True
        self._status(op.state, lid, resource.type, "DELETE_IN_PROGRESS")
        self._step(f"delete {lid}")
        try:
            handler_for(resource.type).delete(op.deployment, resource)
        except ResourceFailed as exc:
            with op.lock:
                op.failures[lid] = exc.reason
            self._status(op.state, lid, resource.type, "DELETE_FAILED", exc.reason)
            return False
        self._step(f"deleted {lid}")
        self._status(op.state, lid, resource.type, "DELETE_COMPLETE")
        return True

    def destroy(self, stack_name: str) -> bool:
        """Delete everything the stack's state knows (dependents first); False when the stack does not exist."""
        self.store.ensure_bucket()
        with self.locks.hold(stack_name, "destroy"):
            state = self.store.load(stack_name)
            if state is None:
                return False
            self._delete_all(state)
            return True

    def _delete_all(self, state: StackState) -> None:
        """The stack's resources, plus what an interrupted run was creating, replacing or cleaning up."""
        stack_name = state.stack_name
        doomed: dict[str, tuple[ResourceState, bool]] = {lid: (r, False) for lid, r in state.resources.items()}
        held = {r.physical_id for r in state.resources.values()}
        extras = [(c.new, c.new.status != "UPDATE_COMPLETE") for c in state.changes if c.new is not None]
        extras += [(c.old, False) for c in state.changes if c.old is not None]
        extras += [(r, False) for r in state.cleanup]
        for resource, fresh in extras:
            if resource.physical_id not in held:
                held.add(resource.physical_id)
                doomed[f"{resource.logical_id}#{len(doomed)}"] = (resource, fresh)
        op = _Operation(state, self._deployment(state))
        op.deployment.resources = {**state.resources, **{k: r for k, (r, _) in doomed.items()}}
        self.printer.begin(len(doomed))
        self._stack_status(op, "DELETE_IN_PROGRESS")
        keys_of: dict[str, set[str]] = {}
        for key, (resource, _) in doomed.items():
            keys_of.setdefault(resource.logical_id, set()).add(key)
        known = self._state_graph(state)
        deps = {
            key: {k for lid in set(r.depends_on) | known.get(r.logical_id, set()) for k in keys_of.get(lid, set())}
            for key, (r, _) in doomed.items()
        }

        def delete(key: str) -> bool:
            resource, fresh = doomed[key]
            if not self._delete(op, resource, rollback=fresh):
                return False
            with op.lock:
                if state.resources.get(resource.logical_id) is resource:
                    del state.resources[resource.logical_id]
                state.changes = [c for c in state.changes if resource not in (c.new, c.old)]
                state.cleanup = [r for r in state.cleanup if r is not resource]
                self.store.save(state)
            return True

        self._run_graph(op, graph.reverse_graph(deps), delete, stop_on_failure=False)
        if op.failures:
            self._stack_status(op, "DELETE_FAILED")
            raise StackFailed(stack_name, state.status, op.failures)
        self.store.delete(stack_name)
        self._status(state, stack_name, "AWS::CloudFormation::Stack", "DELETE_COMPLETE")

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
        action: Callable[[str], bool | None],
        *,
        stop_on_failure: bool = True,
    ) -> None:
        """Run ``action`` per node once its dependencies are done, in parallel; record failures in ``op``.

        A node fails when ``action`` raises or returns False; what depends on a failed node never runs (a failed
        Delete keeps what the resource needs, as CloudFormation does: it never deletes a resource while one that
        depends on it remains)."""
        sorter = graph.sorter(deps)
        running: dict[Future[bool | None], str] = {}
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
                    if self._settle(op, lid, future):
                        sorter.done(lid)

    def _settle(self, op: _Operation, logical_id: str, future: Future[bool | None]) -> bool:
        """Record the node's failure, if any; True when it succeeded."""
        exc = future.exception()
        if exc is None:
            return future.result() is not False
        if not isinstance(exc, ResourceFailed):
            exc = ResourceFailed(f"Internal failure: {type(exc).__name__}: {exc}")
            self.printer.note(op.state.stack_name, logical_id, exc.reason)
        with op.lock:
            op.failures.setdefault(logical_id, exc.reason)
        op.deployment.cancel.set()
        return False


def _template_of(previous: StackState | None) -> Template | None:
    """The previous state's template, or None (a create's rollback, or a template that does not parse)."""
    if previous is None:
        return None
    try:
        return Template.from_dict(previous.template)
    except TemplateError:
        return None


def _in_order_of(template: Template | None, changes: list[Change]) -> list[Change]:
    """``changes`` with each after those its resource needs in ``template`` (the order the forward update ran them in
    can differ: a dependency the new template dropped)."""
    if template is None:
        return changes
    try:
        order = graph.creation_order(graph.dependencies(template))
    except TemplateError:
        return changes
    rank = {lid: i for i, lid in enumerate(order)}
    return sorted(changes, key=lambda c: rank.get(c.logical_id, len(rank)))


def _replaced(resource: ResourceState) -> ResourceState:
    """A replaced physical resource on its way to cleanup: deleted per its UpdateReplacePolicy."""
    doomed = copy.deepcopy(resource)
    doomed.deletion_policy = resource.update_replace_policy
    return doomed
