"""Properties of the layer against the real DynamoDB Local: what goes in comes back."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, SimpleTableClass
from dynamo_tables.limits import DYNAMODB_MAX_KEY_BYTES
from tests.support.strategies import dynamodb_keys, json_equal, valid_data

ROUND_TRIPS = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def tables(client: Any) -> Iterator[tuple[SimpleTableClass, ComplexTableClass]]:
    """One pair of tables for the whole module: Hypothesis runs many examples per test."""
    suffix = uuid.uuid4().hex[:8]
    names = {logical_id: f"{logical_id}-props-{suffix}" for logical_id in table_definitions()}
    for logical_id, definition in table_definitions().items():
        client.create_table(TableName=names[logical_id], **definition)
    yield (
        SimpleTableClass(client=client, table_name=names["SimpleTable"]),
        ComplexTableClass(client=client, table_name=names["ComplexTable"]),
    )
    for name in names.values():
        client.delete_table(TableName=name)


@ROUND_TRIPS
@given(data=valid_data)
def test_any_json_object_within_the_limits_comes_back_equal(
    tables: tuple[SimpleTableClass, ComplexTableClass], data: dict[str, Any]
) -> None:
    _, records = tables

    written, _ = records.put_record("data-round-trip", "green", data)

    assert json_equal(written.data, data)
    assert json_equal(records.get_record("data-round-trip").data, data)


@ROUND_TRIPS
@given(key=dynamodb_keys, value=st.text(max_size=200))
def test_any_key_dynamodb_takes_round_trips(
    tables: tuple[SimpleTableClass, ComplexTableClass], key: str, value: str
) -> None:
    items, records = tables

    items.put_value(key, value)
    records.put_record(key, "red")

    assert items.get_value(key).key == key
    assert items.get_value(key).value == value
    assert records.get_record(key, "red").id == key


@pytest.mark.parametrize(
    ("size", "accepted"), [(DYNAMODB_MAX_KEY_BYTES, True), (DYNAMODB_MAX_KEY_BYTES + 1, False)]
)
def test_the_layer_key_limit_is_dynamodb_own(
    client: Any, tables: tuple[SimpleTableClass, ComplexTableClass], size: int, accepted: bool
) -> None:
    # DynamoDB itself, no layer in between: the limit the layer checks is DynamoDB's.
    items, _ = tables
    item = {"IndexKey": {"S": "k" * size}, "Value": {"S": "v"}}

    if accepted:
        client.put_item(TableName=items.table_name, Item=item)
    else:
        with pytest.raises(ClientError, match="ValidationException"):
            client.put_item(TableName=items.table_name, Item=item)
