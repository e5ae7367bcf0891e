"""What an update costs in write units, as DynamoDB Local counts them (``ReturnConsumedCapacity``
on the layer's own calls): exactly-once costs no unit more than the write itself for an item
whose seed attributes and data are up to 900 bytes (``write_tokens.py`` gives the arithmetic).

Measured after more writes than the item keeps tokens of, so every slot is full; the table
and every index it has, from template.yaml with the seed's status index and sharded ones.
"""

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, SimpleTableClass
from dynamo_tables.codec import to_attribute
from dynamo_tables.records import RECORD_DATA, RECORD_VERSION
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    SIMPLE_SCHEMA_KEY,
    SIMPLE_SCHEMA_VALUE,
)
from dynamo_tables.status_index import item_size, status_shard
from dynamo_tables.write_tokens import RECENT

SEED_BYTES = 900  # a record's seed attributes and data together, by DynamoDB's item-size rule
WORST_VERSION = 9_999_999_999_999_000  # 16 digits (write_tokens.py: the most a record reaches)
WORST_STATUS = "approved"  # 8 characters, the longest the budget allows for (write_tokens.py)
TIME = "2026-01-01T00:00:00.000Z"  # as long as every time utc_timestamp gives


@contextlib.contextmanager
def consumed(client: Any) -> Iterator[list[dict[str, Any]]]:
    """The ConsumedCapacity of every UpdateItem the client sends in the block."""
    answers: list[dict[str, Any]] = []

    def ask(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**params, "ReturnConsumedCapacity": "INDEXES"}

    def read(parsed: dict[str, Any], **_: Any) -> None:
        answers.append(parsed["ConsumedCapacity"])

    client.meta.events.register("provide-client-params.dynamodb.UpdateItem", ask, unique_id="units-ask")
    client.meta.events.register("after-call.dynamodb.UpdateItem", read, unique_id="units-read")
    try:
        yield answers
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.UpdateItem", unique_id="units-ask")
        client.meta.events.unregister("after-call.dynamodb.UpdateItem", unique_id="units-read")


def units(client: Any, write: Any) -> tuple[float, float]:
    """(table, all its indexes) units the one UpdateItem of ``write()`` consumed."""
    with consumed(client) as answers:
        write()
    (answer,) = answers
    indexes = answer.get("GlobalSecondaryIndexes", {}).values()
    return answer["Table"]["CapacityUnits"], sum(index["CapacityUnits"] for index in indexes)


@pytest.fixture
def complex_table(client: Any, request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A ComplexTable from template.yaml with ``StatusIndexShards`` = ``request.param``."""
    shards = int(request.param)
    name = f"ComplexTable-units-{uuid.uuid4().hex[:8]}"
    definition = table_definitions(parameters={"StatusIndexShards": str(shards)})["ComplexTable"]
    client.create_table(TableName=name, **definition)
    yield name, shards
    client.delete_table(TableName=name)


def _record_id(shards: int) -> str:
    """An id whose shard has two digits where there are that many shards: the longest key."""
    return next(
        f"order-{n:02d}" for n in range(100) if shards < 11 or status_shard(f"order-{n:02d}", shards) > 9
    )


def _data_for(record_id: str, status: str, seed_bytes: int) -> dict[str, str]:
    """Data that makes the record's seed attributes and data ``seed_bytes`` together."""
    seed: dict[str, Any] = {
        COMPLEX_SCHEMA_KEY_ONE: {"S": record_id},
        COMPLEX_SCHEMA_KEY_TWO: {"S": status},
        COMPLEX_SCHEMA_KEY_THREE: {"S": TIME},
        RECORD_DATA: to_attribute({"n": ""}),
    }
    return {"n": "x" * (seed_bytes - item_size(seed))}


def _seed_size(item: dict[str, Any]) -> int:
    seed = (COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_TWO, COMPLEX_SCHEMA_KEY_THREE, RECORD_DATA)
    return item_size({name: item[name] for name in seed})


def _written_often(
    client: Any, table: str, shards: int, monkeypatch: pytest.MonkeyPatch, worst: bool, seed_bytes: int
) -> tuple[ComplexTableClass, str, str, dict[str, str]]:
    """A record of ``seed_bytes`` written more times than it keeps tokens of; ``worst``: with
    the longest status and version the budget allows for."""
    status = WORST_STATUS if worst else "green"
    monkeypatch.setenv("RECORD_STATUSES", f"green,red,{WORST_STATUS}")
    records = ComplexTableClass(client=client, table_name=table, status_shards=shards)
    record_id = _record_id(shards)
    data = _data_for(record_id, status, seed_bytes)
    records.put_record(record_id, status, data)
    if worst:
        client.update_item(
            TableName=table,
            Key={COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}},
            UpdateExpression="SET #version = :version",
            ExpressionAttributeNames={"#version": RECORD_VERSION},
            ExpressionAttributeValues={":version": {"N": str(WORST_VERSION)}},
        )
    for _ in range(RECENT + 1):
        records.put_record(record_id, status, data)
    item = client.get_item(TableName=table, Key={COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}})["Item"]
    assert _seed_size(item) == seed_bytes  # the premise: the record is as large as meant
    assert all(f"W{slot}" in item for slot in range(RECENT))  # every slot holds a token
    return records, record_id, status, data


def index_writes(shards: int) -> float:
    """What an update of a record of at most 1 KB costs the index: with the seed's index one
    write; sharded, two (its sort key, the time, moves: a delete and a put of the entry)."""
    return 1.0 if shards == 0 else 2.0


@pytest.mark.parametrize("complex_table", [0, 8, 32], indirect=True)
@pytest.mark.parametrize("worst", [False, True], ids=["as written", "worst version and status"])
def test_an_update_of_a_900_byte_record_is_one_unit_and_one_an_index_write(
    client: Any, complex_table: tuple[str, int], monkeypatch: pytest.MonkeyPatch, worst: bool
) -> None:
    table, shards = complex_table
    records, record_id, status, data = _written_often(client, table, shards, monkeypatch, worst, SEED_BYTES)

    put = units(client, lambda: records.put_record(record_id, status, data))
    patch = units(client, lambda: records.set_status(record_id, status))

    assert put == patch == (1.0, index_writes(shards))


@pytest.mark.parametrize("complex_table", [32], indirect=True)
def test_at_the_worst_the_budget_is_exact(
    client: Any, complex_table: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the longest status, a two-digit shard and a 16-digit version, one byte more of
    seed attributes and data is the second unit (the documented boundary, write_tokens.py)."""
    table, shards = complex_table
    records, record_id, status, _ = _written_often(client, table, shards, monkeypatch, True, SEED_BYTES + 1)

    assert units(client, lambda: records.set_status(record_id, status)) == (2.0, 2 * index_writes(shards))


@pytest.mark.parametrize("creator", ["binary", "string, from before"])
def test_a_put_of_a_900_byte_item_is_one_unit(client: Any, table_names: dict[str, str], creator: str) -> None:
    """An item's key and value of 900 bytes, with its ``Creator`` as this version writes it
    and as the one before did (16 characters, the larger: kept as long as the item lives)."""
    items = SimpleTableClass(client=client, table_name=table_names["SimpleTable"])
    key = "http://example.com/video"
    value = "x" * (SEED_BYTES - item_size({SIMPLE_SCHEMA_KEY: {"S": key}, SIMPLE_SCHEMA_VALUE: {"S": ""}}))
    if creator.startswith("string"):
        client.put_item(
            TableName=items.table_name,
            Item={
                SIMPLE_SCHEMA_KEY: {"S": key},
                SIMPLE_SCHEMA_VALUE: {"S": value},
                "Creator": {"S": "c" * 16},
            },
        )
    for _ in range(RECENT + 1):
        items.put_value(key, value)
    item = client.get_item(TableName=items.table_name, Key={SIMPLE_SCHEMA_KEY: {"S": key}})["Item"]
    assert item_size({name: item[name] for name in (SIMPLE_SCHEMA_KEY, SIMPLE_SCHEMA_VALUE)}) == SEED_BYTES

    assert units(client, lambda: items.put_value(key, value)) == (1.0, 0.0)
