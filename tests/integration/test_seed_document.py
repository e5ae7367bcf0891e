"""The seed document's usage of the three classes, unchanged in meaning, against the
real DynamoDB Local. Only the credentials differ: the seed's are refused today."""

import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, InvalidRegionError

from devstack.dynamodb_local import DynamoDBLocal
from dynamo_tables import GREEN, RED, ComplexTableClass, SimpleTableClass
from dynamo_tables.schema import (
    COMPLEX_SCHEMA,
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    COMPLEX_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA,
    SIMPLE_SCHEMA_TABLE_NAME,
)

ISO_MILLIS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_the_seed_document_runs(aws_conf: dict[str, str]) -> None:
    simple = SimpleTableClass(aws_conf)
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)
    simple.set_value("my-key", "my-value")

    complex_table = ComplexTableClass(aws_conf)
    complex_table.create_table(COMPLEX_SCHEMA, COMPLEX_SCHEMA_TABLE_NAME)
    complex_table.put("entry-1", {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})
    complex_table.put("entry-2", {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})
    complex_table.update("entry-1", RED)

    assert simple.get("my-key")["Item"]["Value"] == {"S": "my-value"}
    assert simple.exists("my-key") is True
    assert simple.exists("other-key") is False
    assert simple.list_all()["Count"] == 1
    entry = complex_table.get("entry-1")["Item"]
    assert entry[COMPLEX_SCHEMA_KEY_TWO] == {"S": RED}
    assert ISO_MILLIS_UTC.fullmatch(entry[COMPLEX_SCHEMA_KEY_THREE]["S"])
    assert complex_table.filter_by_key_one("entry-1", RED)["Count"] == 1
    assert complex_table.filter_by_key_one("entry-1", GREEN)["Count"] == 0
    assert [
        item[COMPLEX_SCHEMA_KEY_ONE]["S"] for item in complex_table.filter_by_key_two(GREEN)["Items"]
    ] == ["entry-2"]

    # create_table again: the tables exist, nothing fails, nothing is lost
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)
    complex_table.create_table(COMPLEX_SCHEMA, COMPLEX_SCHEMA_TABLE_NAME)
    assert simple.exists("my-key")


def test_the_seed_credentials_are_refused_as_the_readme_says(dynamodb_local: DynamoDBLocal) -> None:
    seed_conf: dict[str, Any] = {
        "aws_access_key_id": "dummy_key",
        "aws_secret_access_key": "dummy_secret",
        "region_name": "dummy_region",
        "endpoint_url": dynamodb_local.endpoint_url,
    }
    with pytest.raises(InvalidRegionError):
        SimpleTableClass(seed_conf)

    client = boto3.client("dynamodb", **{**seed_conf, "region_name": "us-east-1"})
    with pytest.raises(ClientError, match="UnrecognizedClientException"):
        SimpleTableClass(client=client).exists("k")
