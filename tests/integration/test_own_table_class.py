"""Your own table class, the seed's way: subclass ``DynamoGeneralClass`` and define the
params, as the seed's upstream repository does for a URL-to-domain table and a log table
with its own status index. Nothing else is asked of the subclass."""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from dynamo_tables import DynamoGeneralClass, default_client

# --- a key-value table: URLs and their domains --------------------------------------

DOMAIN_TABLE = "Domain"
URL = "url"
DOMAIN = "domain"
DOMAIN_SCHEMA = {
    "TableName": DOMAIN_TABLE,
    "AttributeDefinitions": [{"AttributeName": URL, "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": URL, "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
}


class DomainTable(DynamoGeneralClass):
    def get_params(self, key: str) -> dict[str, Any]:
        return {"TableName": DOMAIN_TABLE, "Key": {URL: {"S": key}}}

    def put_params(self, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"TableName": DOMAIN_TABLE, "Item": {URL: {"S": key}}}
        params["Item"].update(data)
        return params

    def set_value(self, key: str, value: str) -> None:
        self.put(key, {DOMAIN: {"S": value}})

    def get_domain(self, key: str) -> str:
        domain: str = self.get(key)["Item"][DOMAIN]["S"]
        return domain


# --- a log table with a status index, and its own update_params ----------------------

LOG_TABLE = "Log"
TIMESTAMP = "updated_at"
STATUS = "status"
STATUS_INDEX = "Status"
LOG_SCHEMA = {
    "TableName": LOG_TABLE,
    "AttributeDefinitions": [
        {"AttributeName": TIMESTAMP, "AttributeType": "S"},
        {"AttributeName": STATUS, "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": TIMESTAMP, "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    "GlobalSecondaryIndexes": [
        {
            "IndexName": STATUS_INDEX,
            "KeySchema": [{"AttributeName": STATUS, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        }
    ],
}


class LogTable(DynamoGeneralClass):
    def get_params(self, key: str) -> dict[str, Any]:
        return {"TableName": LOG_TABLE, "Key": {TIMESTAMP: {"S": key}}}

    def put_params(self, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"TableName": LOG_TABLE, "Item": {TIMESTAMP: {"S": key}}}
        params["Item"].update(data)
        return params

    def update_params(self, key: str, data: Any) -> dict[str, Any]:
        """Here ``data`` is the new status."""
        return {
            "TableName": LOG_TABLE,
            "Key": {TIMESTAMP: {"S": key}},
            "UpdateExpression": "SET #S = :s",
            "ExpressionAttributeNames": {"#S": STATUS},
            "ExpressionAttributeValues": {":s": {"S": data}},
        }

    def filter_by_status(self, status: str) -> dict[str, Any]:
        response: Any = self.dynamodb.query(
            TableName=LOG_TABLE,
            IndexName=STATUS_INDEX,
            KeyConditionExpression="#S = :status",
            ExpressionAttributeValues={":status": {"S": status}},
            ExpressionAttributeNames={"#S": STATUS},
        )
        return dict(response)


@pytest.fixture
def clean_tables(client: Any) -> Iterator[None]:
    """The example's fixed table names, dropped after each test (create_table makes them)."""
    yield
    for name in (DOMAIN_TABLE, LOG_TABLE):
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


def test_a_key_value_table_of_your_own(aws_conf: dict[str, str], clean_tables: None) -> None:
    domains = DomainTable(aws_conf)
    domains.create_table(DOMAIN_SCHEMA, DOMAIN_TABLE)

    domains.set_value("http://example.com/video", "example.com")
    domains.set_value("http://example.com/article", "example.com")
    domains.set_value("http://example.com/image", "example.com")
    domains.update("http://example.com/article", {DOMAIN: {"S": "www.example.com"}})
    domains.remove("http://example.com/image")

    assert domains.get_domain("http://example.com/video") == "example.com"
    assert domains.get_domain("http://example.com/article") == "www.example.com"
    assert domains.exists("http://example.com/video") is True
    assert domains.exists("http://example.com/image") is False
    assert domains.exists("http://example.com/post") is False
    everything = domains.list_all()
    assert everything["Count"] == 2
    assert sorted(item[URL]["S"] for item in everything["Items"]) == [
        "http://example.com/article",
        "http://example.com/video",
    ]
    assert domains.remove_params("http://example.com/video") == {
        "TableName": DOMAIN_TABLE,
        "Key": {URL: {"S": "http://example.com/video"}},
    }


def test_a_table_with_a_status_index_of_your_own(aws_conf: dict[str, str], clean_tables: None) -> None:
    logs = LogTable(aws_conf)
    logs.create_table(LOG_SCHEMA, LOG_TABLE)
    for minute in range(5):
        logs.put(f"2020-01-01-01-{minute}", {STATUS: {"S": "INFO"}, "message": {"S": f"#{minute}"}})

    logs.update("2020-01-01-01-3", "ERROR")
    logs.remove("2020-01-01-01-4")

    assert logs.get("2020-01-01-01-3")["Item"][STATUS] == {"S": "ERROR"}
    assert logs.exists("2020-01-01-01-4") is False
    assert logs.filter_by_status("ERROR")["Count"] == 1
    assert logs.filter_by_status("INFO")["Count"] == 3
    assert logs.list_all()["Count"] == 4


def test_constructed_with_nothing_the_table_is_the_one_the_params_name(
    client: Any, aws_conf: dict[str, str], monkeypatch: pytest.MonkeyPatch, clean_tables: None
) -> None:
    # Given the table, made by someone else, and only the environment to find DynamoDB by
    client.create_table(**DOMAIN_SCHEMA)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", aws_conf["endpoint_url"])
    default_client.cache_clear()
    try:
        # When a class is built with nothing, and create_table is never called
        domains = DomainTable()
        domains.set_value("http://example.com/video", "example.com")

        # Then it works on the table its params name
        assert domains.table_name == DOMAIN_TABLE
        assert domains.list_all()["Count"] == 1
    finally:
        default_client.cache_clear()


def test_a_subclass_without_the_seed_abstract_methods_is_refused_at_once() -> None:
    class Incomplete(DynamoGeneralClass):
        def get_params(self, key: str) -> dict[str, Any]:
            return {"TableName": "T", "Key": {"k": {"S": key}}}

    with pytest.raises(TypeError, match="put_params"):
        Incomplete({"region_name": "us-east-1"})  # type: ignore[abstract]
