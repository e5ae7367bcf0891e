"""The local stack's tables on DynamoDB Local, as `make start` keeps them between runs: used
as they are when they match the template, refused when made with other parameters."""

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

    with pytest.raises(SetupError, match=r"ComplexTable.*make reset"):
        ensure_tables(own_dynamodb_local, {"StatusIndexShards": "4"})


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
