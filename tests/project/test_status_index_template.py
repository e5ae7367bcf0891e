"""The template with ``StatusIndexShards`` off and on, and each step of changing it
(``StatusIndexShardsBefore``), as CloudFormation receives it."""

import itertools
from typing import Any

import pytest

from devstack.template import condition_holds, load_template
from dynamo_tables.schema import COMPLEX_SCHEMA_INDEX_SHARD, COMPLEX_SCHEMA_INDEX_TWO
from dynamo_tables.status_index import read_shards
from tests.support.translate import expand, resources, selected

# (before, after) of each deploy of a re-shard: deploy 1 with the count before, deploy 2 without.
RESHARDS = [(0, 8), (8, 3), (3, 8), (8, 0)]
STEPS = [
    (before, after, parameters)
    for before, after in RESHARDS
    for parameters in (
        {"StatusIndexShards": str(before)},
        {"StatusIndexShards": str(after), "StatusIndexShardsBefore": str(before)},
        {"StatusIndexShards": str(after)},
    )
]


@pytest.mark.parametrize("shards", ["0", "8"])
def test_the_template_expands_both_ways(shards: str) -> None:
    # aws-sam-translator turns it into what CloudFormation receives, conditions kept.
    expanded = expand(StatusIndexShards=shards)

    assert "ComplexTable" in resources(expanded, "AWS::DynamoDB::Table")


def _resolved(value: Any, parameters: dict[str, str]) -> Any:
    """An expanded template's value with its Fn::If and AWS::NoValue resolved as CloudFormation would."""
    template = load_template()
    if isinstance(value, list):
        resolved = [_resolved(member, parameters) for member in value]
        return [member for member in resolved if member != {"Ref": "AWS::NoValue"}]
    if isinstance(value, dict):
        if list(value) == ["Fn::If"]:
            name, if_true, if_false = value["Fn::If"]
            return _resolved(if_true if condition_holds(name, template, parameters) else if_false, parameters)
        return {key: _resolved(member, parameters) for key, member in value.items()}
    return value


def _indexes(parameters: dict[str, str]) -> list[str]:
    table = resources(expand(**parameters), "AWS::DynamoDB::Table")["ComplexTable"]["Properties"]
    return sorted(index["IndexName"] for index in _resolved(table["GlobalSecondaryIndexes"], parameters))


@pytest.mark.parametrize(("before", "after"), RESHARDS)
def test_each_deploy_of_a_reshard_creates_or_deletes_at_most_one_index(before: int, after: int) -> None:
    # CloudFormation creates or deletes one global secondary index per update of a table.
    steps = [_indexes(parameters) for b, a, parameters in STEPS if (b, a) == (before, after)]

    for old, new in itertools.pairwise(steps):
        assert len(set(old) ^ set(new)) <= 1, (old, new)


@pytest.mark.parametrize(("before", "after", "parameters"), STEPS)
def test_each_step_has_the_index_listings_read_and_only_the_attributes_its_indexes_key(
    before: int, after: int, parameters: dict[str, str]
) -> None:
    table = resources(expand(**parameters), "AWS::DynamoDB::Table")["ComplexTable"]["Properties"]
    indexes = _resolved(table["GlobalSecondaryIndexes"], parameters)
    shards = int(parameters["StatusIndexShards"])
    migrating = (
        int(parameters["StatusIndexShardsBefore"]) if "StatusIndexShardsBefore" in parameters else None
    )
    read = COMPLEX_SCHEMA_INDEX_SHARD if read_shards(shards, migrating) else COMPLEX_SCHEMA_INDEX_TWO

    assert read in {index["IndexName"] for index in indexes}
    keyed = {key["AttributeName"] for index in indexes for key in index["KeySchema"]} | {"AttributeOneKey"}
    assert {a["AttributeName"] for a in _resolved(table["AttributeDefinitions"], parameters)} == keyed


@pytest.mark.parametrize(("before", "after", "parameters"), STEPS)
def test_the_functions_may_query_exactly_the_index_listings_read_or_while_a_reshard_is_under_way_both(
    before: int, after: int, parameters: dict[str, str]
) -> None:
    # The role changes with the deploy, the functions' alias only with `make publish`: while
    # a re-shard is under way the functions of the deploy before still read their index.
    role = resources(expand(**parameters), "AWS::IAM::Role")["ListRecordsFunctionRole"]
    (statement,) = [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Action"] == ["dynamodb:Query"]
    ]
    resource = _resolved(selected(statement["Resource"]), parameters)
    shards = int(parameters["StatusIndexShards"])
    migrating = (
        int(parameters["StatusIndexShardsBefore"]) if "StatusIndexShardsBefore" in parameters else None
    )
    read = COMPLEX_SCHEMA_INDEX_SHARD if read_shards(shards, migrating) else COMPLEX_SCHEMA_INDEX_TWO

    expected = "${ComplexTable.Arn}/index/" + ("*" if migrating is not None else read)
    assert resource == {"Fn::Sub": expected}
