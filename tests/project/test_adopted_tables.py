"""A stack in front of tables that already exist (the seed's ``SimpleSchemaTableName`` and
``ComplexSchemaTableName``): ``ExistingSimpleTableName`` and ``ExistingComplexTableName``,
for each case (none, either, both), on the template as aws-sam-translator expands it for
CloudFormation. An adopted table is not created, every reference to it names it, and its
functions are granted exactly that table's ARN: the same grants as on a table the stack
creates, whose least privilege ``test_security.py`` holds to the calls each route makes.
"""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack.template import ROOT, load_template, parameter_values, resolve_conditions
from tests.support.translate import expand, resources, selected

TEMPLATE = load_template()
CASES = {
    "none": {},
    "simple": {"ExistingSimpleTableName": "SimpleSchemaTableName"},
    "complex": {"ExistingComplexTableName": "ComplexSchemaTableName"},
    "both": {  # the seed's tables
        "ExistingSimpleTableName": "SimpleSchemaTableName",
        "ExistingComplexTableName": "ComplexSchemaTableName",
    },
}
IMPORTED = {**CASES["both"], "ImportExistingTables": "true"}
ADOPTED_BY = {"SimpleTable": "ExistingSimpleTableName", "ComplexTable": "ExistingComplexTableName"}
# The ARN of a table by name, as IAM reads it (Partition, Region and AccountId are the stack's).
TABLE_ARN = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/"
PSEUDO = {
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}


def _deployed(parameters: dict[str, str]) -> dict[str, Any]:
    """The expanded template as CloudFormation deploys it with these parameters: each
    resource and output whose condition fails dropped, each ``Fn::If`` resolved."""
    expanded = expand(**parameters)
    values = parameter_values(TEMPLATE, parameters)
    conditions = {"Conditions": expanded.get("Conditions", {}), **expanded}

    def holds(body: dict[str, Any]) -> bool:
        name = body.get("Condition")
        return name is None or bool(resolve_conditions({"Fn::If": [name, True, False]}, conditions, values))

    return {
        section: {
            name: resolve_conditions(body, conditions, values)
            for name, body in expanded.get(section, {}).items()
            if holds(body)
        }
        for section in ("Resources", "Outputs")
    }


def _named(value: Any) -> set[str]:
    """Every name a ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub`` in ``value`` refers to."""
    if isinstance(value, list):
        return {name for member in value for name in _named(member)}
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, member in value.items():
        if key == "Ref" and isinstance(member, str):
            found.add(member)
        elif key == "Fn::GetAtt":
            found.add(member[0] if isinstance(member, list) else member.split(".")[0])
        elif key == "Fn::Sub":
            text, variables = (member, {}) if isinstance(member, str) else member
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)} - set(variables)
            found |= _named(variables)
        else:
            found |= _named(member)
    return found


@pytest.mark.parametrize("case", CASES)
def test_an_adopted_table_is_not_created(case: str) -> None:
    tables = resources(_deployed(CASES[case]), "AWS::DynamoDB::Table")

    expected = {"SimpleTable", "ComplexTable", "IdempotencyTable"} - {
        table for table, parameter in ADOPTED_BY.items() if parameter in CASES[case]
    }
    assert set(tables) == expected


@pytest.mark.parametrize("case", [*CASES, "imported"])
def test_nothing_refers_to_a_table_the_stack_does_not_create(case: str) -> None:
    parameters = IMPORTED if case == "imported" else CASES[case]
    deployed = _deployed(parameters)
    known = set(deployed["Resources"]) | set(TEMPLATE["Parameters"]) | PSEUDO

    for section in ("Resources", "Outputs"):
        for name, body in deployed[section].items():
            assert _named(body) <= known, (section, name, _named(body) - known)
            assert set(body.get("DependsOn", [])) <= set(deployed["Resources"]), name


@pytest.mark.parametrize("case", CASES)
def test_every_use_of_an_adopted_table_names_it(case: str) -> None:
    deployed = _deployed(CASES[case])
    names = {  # CloudFormation puts the parameter's value in
        table: {"Ref": parameter if parameter in CASES[case] else table}
        for table, parameter in ADOPTED_BY.items()
    }

    for function in resources(deployed, "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["SIMPLE_TABLE_NAME"] == names["SimpleTable"]
        assert variables["COMPLEX_TABLE_NAME"] == names["ComplexTable"]
    assert deployed["Outputs"]["SimpleTableName"]["Value"] == names["SimpleTable"]
    assert deployed["Outputs"]["ComplexTableName"]["Value"] == names["ComplexTable"]
    alarm = deployed["Resources"]["DynamoDBThrottlesAlarm"]["Properties"]["Metrics"]
    watched = [metric["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for metric in alarm[1:]]
    assert watched.count(names["SimpleTable"]) == watched.count(names["ComplexTable"]) == 2


def _grants(deployed: dict[str, Any], function: str) -> set[tuple[frozenset[str], str]]:
    """(actions, resource) of the function's role, each resource as one string: a table's
    ``Fn::GetAtt`` as ``<LogicalId>``, any ``Fn::Sub`` with the parameters put in."""
    role = resources(deployed, "AWS::IAM::Role")[f"{function}Role"]
    grants = set()
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            resource = selected(statement["Resource"])
            if "Fn::GetAtt" in resource:
                text = f"<{resource['Fn::GetAtt'][0]}>"
            else:
                text = re.sub(r"\$\{(\w+)\.Arn\}", r"<\1>", resource["Fn::Sub"])
            actions = statement["Action"]
            grants.add((frozenset([actions] if isinstance(actions, str) else actions), text))
    return grants


def _functions() -> list[str]:
    return sorted(resources(_deployed({}), "AWS::Lambda::Function"))


@pytest.mark.parametrize("case", ["simple", "complex", "both"])
def test_an_adopted_table_is_granted_exactly_as_a_created_one(case: str) -> None:
    created, adopted = _deployed({}), _deployed(CASES[case])
    renamed = {
        f"<{table}>": TABLE_ARN + CASES[case][parameter]
        for table, parameter in ADOPTED_BY.items()
        if parameter in CASES[case]
    }
    values = parameter_values(TEMPLATE, CASES[case])

    for function in _functions():
        expected = set()
        for actions, resource in _grants(created, function):
            for table, arn in renamed.items():
                resource = resource.replace(table, arn)
            expected.add((actions, resource))
        granted = {
            (actions, re.sub(r"\$\{(Existing\w+)\}", lambda match: values[match[1]], resource))
            for actions, resource in _grants(adopted, function)
        }
        assert granted == expected, function


def test_the_status_index_of_an_adopted_table_is_granted_by_its_arn() -> None:
    (role,) = [
        role
        for name, role in resources(_deployed(CASES["complex"]), "AWS::IAM::Role").items()
        if name == "ListRecordsFunctionRole"
    ]
    resources_granted = {
        json.dumps(selected(statement["Resource"]))
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    }

    assert resources_granted == {
        json.dumps({"Fn::Sub": TABLE_ARN + "${ExistingComplexTableName}"}),
        json.dumps({"Fn::Sub": TABLE_ARN + "${ExistingComplexTableName}/index/AttributeTwoIndexName"}),
    }


def test_an_import_declares_the_adopted_tables_by_name_and_changes_nothing_else() -> None:
    """``ImportExistingTables`` adds the two tables, named, and leaves every other resource
    and output as the adopting stack has them: a resource import may change nothing else."""
    adopting, importing = _deployed(CASES["both"]), _deployed(IMPORTED)

    added = set(importing["Resources"]) - set(adopting["Resources"])
    assert added == {"SimpleTable", "ComplexTable"}
    for table, parameter in ADOPTED_BY.items():
        assert importing["Resources"][table]["Properties"]["TableName"] == {"Ref": parameter}
    for table in added:
        assert importing["Resources"][table]["DeletionPolicy"] == "Retain"
    assert {name: importing["Resources"][name] for name in adopting["Resources"]} == adopting["Resources"]
    assert importing["Outputs"] == adopting["Outputs"]


@pytest.mark.parametrize("case", [*CASES, "imported"])
def test_cfn_lint_passes_the_expanded_template(case: str, tmp_path: Path) -> None:
    parameters = IMPORTED if case == "imported" else CASES[case]
    template = tmp_path / "expanded.json"
    template.write_text(json.dumps(load_template()))  # the loops written out, as make lint-expanded lints it

    linted = subprocess.run(  # noqa: S603 - the project's cfn-lint on a file of this test's own
        [
            str(ROOT / ".venv" / "bin" / "cfn-lint"),
            "--include-checks",
            "I",
            "--parameters",
            *[f"{name}={value}" for name, value in parameters.items()],
            "--",
            str(template),
        ]
        if parameters
        else [str(ROOT / ".venv" / "bin" / "cfn-lint"), "--include-checks", "I", "--", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert linted.returncode == 0, linted.stdout[-4000:] + linted.stderr[-2000:]
