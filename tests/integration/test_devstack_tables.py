"""The local stack's tables on DynamoDB Local, as `make start` keeps them between runs: used
as they are when they match the template, given the one index a step of a re-shard adds or
drops, refused when a CloudFormation update would refuse the change too."""

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.dynamodb_local import DynamoDBLocal, SetupError, free_port
from devstack.stack import dynamodb_client, ensure_tables


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
