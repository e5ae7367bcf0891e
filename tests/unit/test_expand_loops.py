"""devstack.template writes out a template's Fn::ForEach as CloudFormation's
AWS::LanguageExtensions transform does, leaving parameters and conditions to its callers, and
names the same resources, code and routes as SAM CLI's own expansion (what sam build, sam
local and make start use)."""

import copy
from typing import Any

import pytest
from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions

from devstack.template import UnsupportedIntrinsic, expand_loops, raw_template

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
    """Each resource's type, and a function's code folder and events: what devstack reads."""
    return {
        name: (
            resource["Type"],
            resource.get("Properties", {}).get("CodeUri"),
            resource.get("Properties", {}).get("Events"),
        )
        for name, resource in template["Resources"].items()
    }


def test_template_yaml_is_written_out_as_sam_cli_writes_it_out() -> None:
    ours = expand_loops(raw_template())
    sam_cli = expand_language_extensions(raw_template(), {}, enabled=True).expanded_template

    assert _read_by_devstack(ours) == _read_by_devstack(sam_cli)
