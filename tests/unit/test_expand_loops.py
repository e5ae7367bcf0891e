"""devstack.template writes out a template's Fn::ForEach as CloudFormation's
AWS::LanguageExtensions transform does, leaving parameters and conditions to its callers, and
names the same resources, code and routes as SAM CLI's own expansion (what sam build, sam
local and make start use)."""

import copy
from typing import Any

import pytest
from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions

from devstack.template import (
    UnsupportedIntrinsic,
    condition_holds,
    expand_loops,
    parameter_values,
    raw_template,
)

LOOPED: dict[str, Any] = {
    "Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"],
    "Parameters": {"Days": {"Type": "Number", "Default": 30}},
    "Conditions": {"Long": {"Fn::Equals": [{"Ref": "Days"}, 365]}},
    "Mappings": {
        "Rows": {"A": {"Code": "functions/a/", "Also": "B"}, "B": {"Code": "functions/b/"}},
        "Places": {"A": {"At": "0"}, "B": {"At": "1"}},
    },
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "Fn::ForEach::Each": [
            "Name",
            ["A", "B"],
            {
                "${Name}Group": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"RetentionInDays": {"Fn::If": ["Long", {"Ref": "Days"}, 7]}},
                },
                "${Name}Function": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {
                        "CodeUri": {"Fn::FindInMap": ["Rows", {"Ref": "Name"}, "Code"]},
                        "LoggingConfig": {"LogGroup": {"Ref": {"Fn::Sub": "${Name}Group"}}},
                        "Description": {"Fn::Sub": "${Name} in ${AWS::StackName}"},
                        "Role": {"Fn::GetAtt": [{"Fn::Sub": "${Name}Group"}, "Arn"]},
                        "Place": {
                            "Fn::FindInMap": [
                                "Places",
                                {
                                    "Fn::FindInMap": [
                                        "Rows",
                                        {"Ref": "Name"},
                                        "Also",
                                        {"DefaultValue": {"Ref": "Name"}},
                                    ]
                                },
                                "At",
                            ]
                        },
                    },
                },
            },
        ],
    },
}


def _written_out(name: str, code: str, place: str) -> dict[str, Any]:
    return {
        f"{name}Group": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"RetentionInDays": {"Fn::If": ["Long", {"Ref": "Days"}, 7]}},
        },
        f"{name}Function": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": code,
                "LoggingConfig": {"LogGroup": {"Ref": f"{name}Group"}},
                "Description": {"Fn::Sub": f"{name} in ${{AWS::StackName}}"},
                "Role": {"Fn::GetAtt": [f"{name}Group", "Arn"]},
                "Place": place,
            },
        },
    }


def test_a_loop_is_written_out_and_the_rest_left_to_cloudformation() -> None:
    expanded = expand_loops(copy.deepcopy(LOOPED))

    assert expanded["Resources"] == {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        **_written_out("A", "functions/a/", "1"),
        **_written_out("B", "functions/b/", "1"),
    }
    assert expanded["Transform"] == "AWS::Serverless-2016-10-31"
    assert "Mappings" not in expanded  # read by the loop only
    assert expanded["Conditions"] == LOOPED["Conditions"]
    assert expanded["Parameters"] == LOOPED["Parameters"]


def test_a_template_without_language_extensions_is_left_as_it_is() -> None:
    plain = {**copy.deepcopy(LOOPED), "Transform": "AWS::Serverless-2016-10-31"}
    assert expand_loops(plain) is plain


@pytest.mark.parametrize(
    "resources",
    [
        # SAM CLI leaves a loop inside properties unexpanded (and its providers then fail).
        {"F": {"Type": "T", "Properties": {"Fn::ForEach::Inner": ["X", ["a"], {"${X}": 1}]}}},
        {"Fn::ForEach::Outer": ["X", ["a"], {"Fn::ForEach::Inner": ["Y", ["b"], {"${X}${Y}": {}}]}]},
        {"Fn::ForEach::Listed": ["X", {"Ref": "Days"}, {"${X}": {"Type": "T"}}]},
    ],
)
def test_what_is_not_expanded_locally_is_refused(resources: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedIntrinsic):
        expand_loops({**copy.deepcopy(LOOPED), "Resources": resources})


def test_a_logical_id_declared_twice_is_refused() -> None:
    twice = copy.deepcopy(LOOPED)
    twice["Resources"]["AGroup"] = {"Type": "AWS::Logs::LogGroup"}
    with pytest.raises(ValueError, match="AGroup"):
        expand_loops(twice)


def _read_by_devstack(template: dict[str, Any]) -> dict[str, Any]:
    """Each resource's type, and a function's code folder and events: what devstack reads.
    An event's Auth (a route's scope, with ApiAuth=COGNITO) is left out: devstack never
    reads it, and the next test holds it to SAM CLI's with the parameters resolved."""
    return {
        name: (
            resource["Type"],
            resource.get("Properties", {}).get("CodeUri"),
            {
                event_name: {
                    **event,
                    "Properties": {key: value for key, value in event["Properties"].items() if key != "Auth"},
                }
                for event_name, event in resource.get("Properties", {}).get("Events", {}).items()
            },
        )
        for name, resource in template["Resources"].items()
    }


def test_template_yaml_is_written_out_as_sam_cli_writes_it_out() -> None:
    ours = expand_loops(raw_template())
    sam_cli = expand_language_extensions(raw_template(), {}, enabled=True).expanded_template

    assert _read_by_devstack(ours) == _read_by_devstack(sam_cli)


_NO_VALUE = object()


def _as_sam_cli_resolves(value: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """What SAM CLI's expansion does besides writing the loops out: parameters at their
    defaults (as text), each condition decided, a ``Fn::Select`` of a known place made, a
    ``Fn::Sub`` of no variable its string; everything else as it is."""
    if isinstance(value, list):
        resolved = [_as_sam_cli_resolves(member, template, parameters) for member in value]
        return [member for member in resolved if member is not _NO_VALUE]
    if not isinstance(value, dict):
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if value == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if list(value) == ["Ref"] and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if list(value) == ["Fn::If"]:
        condition, if_true, if_false = value["Fn::If"]
        chosen = if_true if condition_holds(condition, template) else if_false
        return _as_sam_cli_resolves(chosen, template, parameters)
    if list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"]
    resolved_map = {key: _as_sam_cli_resolves(member, template, parameters) for key, member in value.items()}
    if list(resolved_map) == ["Fn::Select"]:
        place, listed = resolved_map["Fn::Select"]
        if isinstance(place, str) and place.isdigit() and isinstance(listed, list):
            return listed[int(place)]
    return {key: member for key, member in resolved_map.items() if member is not _NO_VALUE}


def test_every_resource_a_loop_writes_out_is_sam_clis_with_its_parameters_resolved() -> None:
    # Grants, alarms, log groups: all of each resource, not only what devstack reads.
    ours = expand_loops(raw_template())
    sam_cli = expand_language_extensions(raw_template(), {}, enabled=True).expanded_template
    parameters = parameter_values(ours)
    looped = sorted(set(ours["Resources"]) - set(raw_template()["Resources"]))

    assert looped
    assert [_as_sam_cli_resolves(ours["Resources"][name], ours, parameters) for name in looped] == [
        _as_sam_cli_resolves(sam_cli["Resources"][name], ours, parameters) for name in looped
    ]
