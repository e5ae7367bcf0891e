"""The local stack's tables on DynamoDB Local, as `make start` keeps them between runs: used
as they are when they match the template, given the one index a step of a re-shard adds or
drops, refused when a CloudFormation update would refuse the change too. Tables named by
``Existing*TableName`` (the seed's, made by its own ``create_table``) are used and never
created."""

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.dynamodb_local import DynamoDBLocal, SetupError, free_port
from devstack.stack import dynamodb_client, ensure_tables
from dynamo_tables import ComplexTableClass, SimpleTableClass
from dynamo_tables.schema import (
    COMPLEX_SCHEMA,
    COMPLEX_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA,
    SIMPLE_SCHEMA_TABLE_NAME,
)


@pytest.fixture
def own_dynamodb_local() -> Iterator[Any]:
    """A DynamoDB Local of its own: these tables carry the logical ids the local stack uses."""
    with DynamoDBLocal(port=free_port()) as server:
        yield dynamodb_client(server.endpoint_url)


def test_kept_tables_made_with_other_parameters_are_refused_with_the_way_out(own_dynamodb_local: Any) -> None:
    ensure_tables(own_dynamodb_local)  # an earlier `make start`, with the seed's status index

    # One index dropped and another added at once: CloudFormation refuses that too.
    with pytest.raises(SetupError, match=r"ComplexTable.*one index per update.*make reset"):
        ensure_tables(own_dynamodb_local, {"StatusIndexShards": "4"})


def _indexes(client: Any) -> list[str]:
    table = client.describe_table(TableName="ComplexTable")["Table"]
    assert {index["IndexStatus"] for index in table["GlobalSecondaryIndexes"]} == {"ACTIVE"}
    return sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"])


def test_each_step_of_a_reshard_gets_its_one_index_change_on_the_kept_data(own_dynamodb_local: Any) -> None:
    client = own_dynamodb_local
    ensure_tables(client)
    client.put_item(
        TableName="ComplexTable", Item={"AttributeOneKey": {"S": "kept"}, "AttributeTwoKey": {"S": "green"}}
    )
    steps = [
        ({"StatusIndexShards": "8", "StatusIndexShardsBefore": "0"}, [SEED, SHARDED]),
        ({"StatusIndexShards": "8"}, [SHARDED]),
        ({"StatusIndexShards": "3", "StatusIndexShardsBefore": "8"}, [SHARDED]),
        ({"StatusIndexShards": "3"}, [SHARDED]),
        ({"StatusIndexShards": "0", "StatusIndexShardsBefore": "3"}, [SEED, SHARDED]),
    ]

    for parameters, indexes in steps:
        ensure_tables(client, parameters)
        assert _indexes(client) == indexes

    # DynamoDB filled the seed's index it created with what the table holds.
    found = client.query(
        TableName="ComplexTable",
        IndexName=SEED,
        KeyConditionExpression="AttributeTwoKey = :s",
        ExpressionAttributeValues={":s": {"S": "green"}},
    )["Items"]
    assert [item["AttributeOneKey"]["S"] for item in found] == ["kept"]
    ensure_tables(client, {"StatusIndexShards": "0"})
    assert _indexes(client) == [SEED]


SEED = "AttributeTwoIndexName"
SHARDED = "AttributeTwoShardIndexName"


def test_kept_tables_that_match_are_used_as_they_are(own_dynamodb_local: Any) -> None:
    client = own_dynamodb_local
    for parameters in ({}, {"StatusIndexShards": "4"}):
        ensure_tables(client, parameters)
        client.put_item(TableName="SimpleTable", Item={"IndexKey": {"S": "kept"}, "Value": {"S": "v"}})

        ensure_tables(client, parameters)

        item = client.get_item(TableName="SimpleTable", Key={"IndexKey": {"S": "kept"}})["Item"]
        assert item["Value"]["S"] == "v"
        for name in client.list_tables()["TableNames"]:
            client.delete_table(TableName=name)


ADOPTED = {
    "ExistingSimpleTableName": "SimpleSchemaTableName",
    "ExistingComplexTableName": "ComplexSchemaTableName",
}


def _seed_conf(client: Any) -> dict[str, str]:
    """The seed's conf dict for this DynamoDB Local (credentials it accepts)."""
    return {
        "aws_access_key_id": "dummykey",
        "aws_secret_access_key": "dummy_secret",
        "region_name": "us-east-1",
        "endpoint_url": client.meta.endpoint_url,
    }


def test_adopted_tables_are_used_as_they_are_and_never_created(own_dynamodb_local: Any) -> None:
    client = own_dynamodb_local
    SimpleTableClass(_seed_conf(client)).create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)
    ComplexTableClass(_seed_conf(client)).create_table(COMPLEX_SCHEMA, COMPLEX_SCHEMA_TABLE_NAME)

    ensure_tables(client, ADOPTED)

    assert sorted(client.list_tables()["TableNames"]) == [
        COMPLEX_SCHEMA_TABLE_NAME,
        "IdempotencyTable",
        SIMPLE_SCHEMA_TABLE_NAME,
    ]


def test_an_adopted_table_that_does_not_exist_is_refused_with_the_way_out(own_dynamodb_local: Any) -> None:
    SimpleTableClass(_seed_conf(own_dynamodb_local)).create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)

    with pytest.raises(
        SetupError, match=r"ComplexSchemaTableName \(ExistingComplexTableName\).*create_table"
    ):
        ensure_tables(own_dynamodb_local, ADOPTED)
    assert "ComplexTable" not in own_dynamodb_local.list_tables()["TableNames"]


def test_an_adopted_table_with_other_keys_is_refused(own_dynamodb_local: Any) -> None:
    SimpleTableClass(_seed_conf(own_dynamodb_local)).create_table(
        {**COMPLEX_SCHEMA, "TableName": SIMPLE_SCHEMA_TABLE_NAME}, SIMPLE_SCHEMA_TABLE_NAME
    )

    with pytest.raises(SetupError, match=r"SimpleSchemaTableName .*other keys or indexes"):
        ensure_tables(own_dynamodb_local, {"ExistingSimpleTableName": SIMPLE_SCHEMA_TABLE_NAME})
