"""Configuration: read once, when a table class is built (a function's cold start), and
checked there. A missing table name is an error that names its variable, never a quiet
fall back to some other table."""

import importlib.util
from typing import Any

import pytest

from devstack.template import (
    function_code_dir,
    load_template,
    parameter_values,
    resolve_conditions,
    resources_of_type,
)
from dynamo_tables import ComplexTableClass, ConfigurationError, SimpleTableClass
from dynamo_tables.schema import COMPLEX_SCHEMA_TABLE_NAME, SIMPLE_SCHEMA_TABLE_NAME
from tests.support.translate import selected

SEED_CONF = {"region_name": "us-east-1"}


@pytest.mark.parametrize(
    ("table_class", "variable"),
    [(SimpleTableClass, "SIMPLE_TABLE_NAME"), (ComplexTableClass, "COMPLEX_TABLE_NAME")],
)
def test_from_the_environment_a_missing_table_name_fails_loudly_with_its_name(
    monkeypatch: pytest.MonkeyPatch, table_class: Any, variable: str
) -> None:
    monkeypatch.delenv(variable, raising=False)

    with pytest.raises(ConfigurationError, match=variable):
        table_class()


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_table_name_is_missing_too(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SIMPLE_TABLE_NAME", value)

    with pytest.raises(ConfigurationError, match="SIMPLE_TABLE_NAME"):
        SimpleTableClass()


def test_the_environment_names_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMPLE_TABLE_NAME", "stack-SimpleTable-ABC")
    monkeypatch.setenv("COMPLEX_TABLE_NAME", "stack-ComplexTable-DEF")

    assert SimpleTableClass().table_name == "stack-SimpleTable-ABC"
    assert ComplexTableClass().table_name == "stack-ComplexTable-DEF"


def test_with_the_seed_conf_dict_the_tables_are_the_seed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    # The seed's classes name the seed's tables; its aws_conf says nothing about names.
    monkeypatch.delenv("SIMPLE_TABLE_NAME", raising=False)
    monkeypatch.delenv("COMPLEX_TABLE_NAME", raising=False)

    assert SimpleTableClass(SEED_CONF).table_name == SIMPLE_SCHEMA_TABLE_NAME
    assert ComplexTableClass(SEED_CONF).table_name == COMPLEX_SCHEMA_TABLE_NAME


def test_a_table_name_given_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIMPLE_TABLE_NAME", raising=False)

    assert SimpleTableClass(table_name="mine").table_name == "mine"
    assert SimpleTableClass(SEED_CONF, table_name="mine").table_name == "mine"


def test_statuses_are_read_once_when_the_class_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORD_STATUSES", " green, amber ,red,")
    records = ComplexTableClass()
    monkeypatch.setenv("RECORD_STATUSES", "blue")

    assert records.statuses == ("green", "amber", "red")


def test_without_statuses_the_seed_ones_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECORD_STATUSES", raising=False)

    assert ComplexTableClass().statuses == ("green", "red")


def test_statuses_set_but_naming_none_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORD_STATUSES", " , ")

    with pytest.raises(ConfigurationError, match="RECORD_STATUSES"):
        ComplexTableClass()


def _own_table_variables() -> list[tuple[str, str]]:
    """(function, the table-name variable of the table its grants are on), from the template."""
    template = load_template()
    defaults = parameter_values(template)  # the tables the stack creates, as its own
    variables = resolve_conditions(
        template["Globals"]["Function"]["Environment"]["Variables"], template, defaults
    )
    by_table = {
        value["Ref"]: name for name, value in variables.items() if isinstance(value, dict) and "Ref" in value
    }
    pairs = []
    for logical_id, function in resources_of_type(template, "AWS::Serverless::Function").items():
        statement = function["Properties"]["Policies"][0]["Statement"][0]
        table = resolve_conditions(selected(statement["Resource"]), template, defaults)["Fn::GetAtt"][0]
        pairs.append((logical_id, by_table[table]))
    return sorted(pairs)


@pytest.mark.parametrize(("function", "variable"), _own_table_variables())
def test_each_function_fails_its_cold_start_naming_a_missing_variable(
    monkeypatch: pytest.MonkeyPatch, function: str, variable: str
) -> None:
    monkeypatch.delenv(variable)
    path = function_code_dir(function) / "app.py"
    spec = importlib.util.spec_from_file_location(f"cold_start_{function}", path)
    assert spec is not None
    assert spec.loader is not None

    with pytest.raises(ConfigurationError, match=variable):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_an_empty_endpoint_variable_means_aws_own_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # template.yaml declares AWS_ENDPOINT_URL_DYNAMODB="" so sam local can override it;
    # deployed, botocore must ignore the empty value.
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "")

    assert boto3.client("dynamodb", region_name="eu-west-1").meta.endpoint_url == (
        "https://dynamodb.eu-west-1.amazonaws.com"
    )
