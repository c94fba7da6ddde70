"""The dependency graph of a template's resources (DependsOn, Ref, Fn::GetAtt, Fn::Sub), ordered with graphlib."""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import TemplateError

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.template import Template

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def references(value: Any) -> Iterator[str]:
    """Every name a value refers to through Ref, Fn::GetAtt or Fn::Sub (pseudo parameters included)."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                yield arg
                return
            if key == "Fn::GetAtt":
                yield (arg.split(".", 1)[0] if isinstance(arg, str) else str(arg[0]))
                yield from references(arg[1:] if isinstance(arg, list) else [])
                return
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                for name in _SUB_VARIABLE.findall(str(text)):
                    if name not in variables:
                        yield name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name
                yield from references(variables)
                return
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def dependencies(template: Template) -> dict[str, set[str]]:
    """Logical id -> logical ids of the resources it needs first."""
    graph: dict[str, set[str]] = {}
    for logical_id, resource in template.resources.items():
        needed = set(resource.depends_on) | set(references(resource.properties))
        unknown = {n for n in resource.depends_on if n not in template.resources}
        if unknown:
            raise TemplateError(f"{logical_id}: DependsOn names unknown resources {sorted(unknown)}")
        graph[logical_id] = {n for n in needed if n in template.resources and n != logical_id}
    return graph


def sorter(graph: Mapping[str, set[str]]) -> graphlib.TopologicalSorter[str]:
    """A prepared sorter over the graph; raises TemplateError on a cycle."""
    ts: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(graph)
    try:
        ts.prepare()
    except graphlib.CycleError as exc:
        raise TemplateError(f"circular dependency between resources: {exc.args[1]}") from exc
    return ts


def creation_order(graph: Mapping[str, set[str]]) -> list[str]:
    """One valid serial order (dependencies first, ties broken by name for stable output)."""
    ts = sorter(graph)
    order: list[str] = []
    while ts.is_active():
        ready = sorted(ts.get_ready())
        order.extend(ready)
        ts.done(*ready)
    return order


def reverse_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """The graph for deletion: each resource waits for the resources that depend on it."""
    dependents: dict[str, set[str]] = {node: set() for node in graph}
    for node, needed in graph.items():
        for other in needed:
            dependents.setdefault(other, set()).add(node)
    return dependents
