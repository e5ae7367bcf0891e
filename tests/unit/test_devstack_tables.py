"""The local stack's tables: kept between runs, and refused when they no longer match."""

import boto3
import pytest
from moto import mock_aws

from devstack.dynamodb_local import SetupError
from devstack.stack import ensure_tables


def test_kept_tables_made_with_other_parameters_are_refused_with_the_way_out() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        ensure_tables(client)  # an earlier `make start`, with the seed's status index

        with pytest.raises(SetupError, match=r"ComplexTable.*make reset"):
            ensure_tables(client, {"StatusIndexShards": "4"})


def test_kept_tables_that_match_are_used_as_they_are() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        ensure_tables(client)
        client.put_item(TableName="SimpleTable", Item={"IndexKey": {"S": "kept"}, "Value": {"S": "v"}})

        ensure_tables(client)

        assert (
            client.get_item(TableName="SimpleTable", Key={"IndexKey": {"S": "kept"}})["Item"]["Value"]["S"]
            == "v"
        )
