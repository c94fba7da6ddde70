"""Dependency graph, ordering, parameters and YAML short forms."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner import graph
from rekognition_datasets_local.runner.assembly import project_context
from rekognition_datasets_local.runner.errors import TemplateError
from rekognition_datasets_local.runner.template import BOOTSTRAP_VERSION, Template
from rekognition_datasets_local.runner.yaml_template import load_yaml

if TYPE_CHECKING:
    from pathlib import Path


def template(resources: dict[str, Any], **extra: Any) -> Template:
    return Template.from_dict({"Resources": resources, **extra})


def test_dependencies_come_from_depends_on_ref_getatt_and_sub() -> None:
    t = template(
        {
            "A": {"Type": "T"},
            "B": {"Type": "T", "Properties": {"X": {"Ref": "A"}, "R": {"Ref": "AWS::Region"}}},
            "C": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["B", "Arn"]}}},
            "D": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${C.Arn}-${!A}"}, "Y": 1}, "DependsOn": "A"},
            "E": {"Type": "T", "Properties": {"X": {"Fn::Sub": ["${V}", {"V": {"Ref": "D"}}]}}},
        }
    )
    deps = graph.dependencies(t)
    assert deps == {"A": set(), "B": {"A"}, "C": {"B"}, "D": {"C", "A"}, "E": {"D"}}
    assert graph.creation_order(deps) == ["A", "B", "C", "D", "E"]
    assert graph.reverse_graph(deps)["A"] == {"B", "D"}


def test_cycles_and_unknown_depends_on_are_template_errors() -> None:
    cyclic = template({"A": {"Type": "T", "DependsOn": "B"}, "B": {"Type": "T", "Properties": {"X": {"Ref": "A"}}}})
    with pytest.raises(TemplateError, match="circular"):
        graph.creation_order(graph.dependencies(cyclic))
    with pytest.raises(TemplateError, match="unknown"):
        graph.dependencies(template({"A": {"Type": "T", "DependsOn": ["Nope"]}}))


def test_bootstrap_version_parameter_resolves_offline_and_others_need_values() -> None:
    t = template(
        {"A": {"Type": "T"}},
        Parameters={
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            },
            "Size": {"Type": "Number", "Default": 3},
            "Names": {"Type": "CommaDelimitedList", "Default": "a, b"},
            "Needed": {"Type": "String"},
        },
    )
    values = t.parameter_values({"Needed": "x"})
    assert values == {"BootstrapVersion": BOOTSTRAP_VERSION, "Size": 3, "Names": ["a", "b"], "Needed": "x"}
    with pytest.raises(TemplateError, match="Needed"):
        t.parameter_values()


def test_yaml_short_forms_become_long_forms() -> None:
    body = load_yaml(
        "Resources:\n  A:\n    Type: T\n    Properties:\n"
        "      X: !Ref B\n      Y: !GetAtt B.Arn\n      Z: !Sub '${B}'\n      W: !Join ['', [a, !Ref B]]\n"
    )
    assert body["Resources"]["A"]["Properties"] == {
        "X": {"Ref": "B"},
        "Y": {"Fn::GetAtt": ["B", "Arn"]},
        "Z": {"Fn::Sub": "${B}"},
        "W": {"Fn::Join": ["", ["a", {"Ref": "B"}]]},
    }


def test_synth_context_is_cdk_json_context_overlaid_with_cdk_context_json(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "x", "context": {"a": 1, "b": 1}}))
    (tmp_path / "cdk.context.json").write_text(json.dumps({"b": 2}))
    assert project_context(tmp_path) == {"a": 1, "b": 2}
    assert project_context(tmp_path / "missing") == {}
