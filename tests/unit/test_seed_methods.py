"""The seed document's calls, as it shows them, on moto (the same calls run against
DynamoDB Local in tests/integration/test_seed_document.py)."""

import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dynamo_tables import (
    GREEN,
    RED,
    ComplexTableClass,
    ConfigurationError,
    DynamoGeneralClass,
    InvalidInput,
    SimpleTableClass,
)
from dynamo_tables.schema import (
    COMPLEX_SCHEMA,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    COMPLEX_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA,
    SIMPLE_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA_VALUE,
)

ISO_MILLIS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
AWS_CONF = {
    "aws_access_key_id": "dummykey",
    "aws_secret_access_key": "dummysecret",
    "region_name": "us-east-1",
}


@mock_aws
def test_create_table_with_a_conf_dict_is_idempotent_and_waits_for_active() -> None:
    simple = SimpleTableClass(AWS_CONF)

    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)  # already there: no error

    status = boto3.client("dynamodb").describe_table(TableName=SIMPLE_SCHEMA_TABLE_NAME)["Table"][
        "TableStatus"
    ]
    assert status == "ACTIVE"
    assert simple.table_name == SIMPLE_SCHEMA_TABLE_NAME


@mock_aws
def test_simple_table_seed_calls() -> None:
    simple = SimpleTableClass(AWS_CONF)
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)

    simple.set_value("k1", "v1")
    simple.put("k2", {SIMPLE_SCHEMA_VALUE: {"S": "v2"}})
    simple.update("k2", {SIMPLE_SCHEMA_VALUE: {"S": "v2-updated"}})

    assert simple.get("k1")["Item"] == {"IndexKey": {"S": "k1"}, "Value": {"S": "v1"}}
    assert simple.get("k2")["Item"]["Value"] == {"S": "v2-updated"}
    assert "Item" not in simple.get("absent")
    assert simple.exists("k1") is True
    assert simple.exists("absent") is False
    assert sorted(item["IndexKey"]["S"] for item in simple.list_all()["Items"]) == ["k1", "k2"]


@mock_aws
def test_complex_table_seed_calls() -> None:
    complex_table = ComplexTableClass(AWS_CONF)
    complex_table.create_table(COMPLEX_SCHEMA, COMPLEX_SCHEMA_TABLE_NAME)

    complex_table.put("a", {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})
    complex_table.put("b", {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})
    complex_table.update("a", RED)

    item = complex_table.get("a")["Item"]
    assert item[COMPLEX_SCHEMA_KEY_TWO] == {"S": RED}
    assert ISO_MILLIS_UTC.fullmatch(item[COMPLEX_SCHEMA_KEY_THREE]["S"])
    assert complex_table.filter_by_key_one("a", RED)["Count"] == 1
    assert complex_table.filter_by_key_one("a", GREEN)["Count"] == 0
    assert [i["AttributeOneKey"]["S"] for i in complex_table.filter_by_key_two(GREEN)["Items"]] == ["b"]
    assert [i["AttributeOneKey"]["S"] for i in complex_table.filter_by_key_two(RED)["Items"]] == ["a"]


@mock_aws
def test_get_table_builds_one_resource_per_table() -> None:
    simple = SimpleTableClass(AWS_CONF)
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)

    table = simple.get_table(SIMPLE_SCHEMA_TABLE_NAME)
    table.put_item(Item={"IndexKey": "via-resource", "Value": "x"})

    assert simple.get_table(SIMPLE_SCHEMA_TABLE_NAME) is table
    assert simple.exists("via-resource")


def test_update_params_has_one_signature_across_classes(dynamodb: Any) -> None:
    # The seed's ComplexTableClass.update_params(key, value, timestamp) clashed with the base's.
    data = {SIMPLE_SCHEMA_VALUE: {"S": "v"}}
    for table in (SimpleTableClass(client=dynamodb), ComplexTableClass(client=dynamodb)):
        params = table.update_params("k", data)
        assert params["UpdateExpression"] == "SET #a0 = :v0"
        assert params["ExpressionAttributeNames"] == {"#a0": SIMPLE_SCHEMA_VALUE}


def test_the_default_client_is_built_once_per_process(dynamodb: Any) -> None:
    assert SimpleTableClass().dynamodb is ComplexTableClass().dynamodb
    assert isinstance(SimpleTableClass(), DynamoGeneralClass)


class _UsesItsOwnTableName(DynamoGeneralClass):
    def get_params(self, key: Any) -> dict[str, Any]:
        return {"TableName": self.table_name, "Key": {"k": {"S": key}}}

    def put_params(self, key: Any, data: Any) -> dict[str, Any]:
        return {"TableName": self.table_name, "Item": {"k": {"S": key}, **data}}


class _CompositeKey(DynamoGeneralClass):
    def get_params(self, key: Any) -> dict[str, Any]:
        partition, sort = key
        return {"TableName": "Pairs", "Key": {"pk": {"S": partition}, "sk": {"S": sort}}}

    def put_params(self, key: Any, data: Any) -> dict[str, Any]:
        return {"TableName": "Pairs", "Item": data}


@pytest.mark.parametrize("table_class", [_UsesItsOwnTableName, _CompositeKey])
def test_a_class_whose_params_cannot_name_its_table_says_what_to_do(table_class: Any) -> None:
    table = table_class(AWS_CONF)

    with pytest.raises(ConfigurationError, match=f"{table_class.__name__}.*create_table"):
        table.list_all()


@mock_aws
def test_a_table_name_class_attribute_names_the_table() -> None:
    class Pairs(_CompositeKey):
        table_name = "Pairs"

    boto3.client("dynamodb").create_table(
        TableName="Pairs",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    pairs = Pairs(AWS_CONF)
    pairs.put(("a", "b"), {"pk": {"S": "a"}, "sk": {"S": "b"}})

    assert pairs.list_all()["Count"] == 1
    assert pairs.exists(("a", "b"))


def test_an_update_that_sets_nothing_is_refused_before_dynamodb(dynamodb: Any) -> None:
    with pytest.raises(InvalidInput, match="data"):
        SimpleTableClass(client=dynamodb).update("k", {})
