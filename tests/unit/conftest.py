"""Unit tier: moto's ``mock_aws`` with the tables built from template.yaml."""

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, SimpleTableClass
from tests.support.events import function_for, seed_tables
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext


@pytest.fixture
def status_index_shards(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The template's ``StatusIndexShards`` ("0": off), as template.yaml passes it to the
    functions; a test picks another with ``parametrize(..., indirect=True)``."""
    shards = str(getattr(request, "param", "0"))
    monkeypatch.setenv("STATUS_INDEX_SHARDS", shards)
    return shards


@pytest.fixture
def dynamodb(status_index_shards: str) -> Iterator[Any]:
    """An empty mocked DynamoDB holding the template's tables, named by logical id as
    tests/conftest.py tells the table classes (SIMPLE_TABLE_NAME, COMPLEX_TABLE_NAME)."""
    # Made before the mock starts: moto answers it all the same, and a client made inside a
    # new mock takes some 90 ms (outside, 5 ms); every test of this tier makes one.
    client = boto3.client("dynamodb")
    with mock_aws():
        parameters = {"StatusIndexShards": status_index_shards}
        for logical_id, definition in table_definitions(parameters=parameters).items():
            client.create_table(TableName=logical_id, **definition)
        yield client


@pytest.fixture
def items(dynamodb: Any) -> SimpleTableClass:
    return SimpleTableClass(client=dynamodb)


@pytest.fixture
def records(dynamodb: Any) -> ComplexTableClass:
    return ComplexTableClass(client=dynamodb)


@pytest.fixture
def seeded(items: SimpleTableClass, records: ComplexTableClass) -> None:
    """The state every ``events/*.json`` is written for."""
    seed_tables(items, records)


Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def invoke(dynamodb: Any) -> Invoke:
    """Run an API Gateway event through the handler template.yaml routes it to."""

    def run(event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = load_handler(function_for(event)).lambda_handler(
            event, FakeLambdaContext()
        )
        return response

    return run


@pytest.fixture
def info_logs() -> Iterator[io.StringIO]:
    """Everything the shared logger writes at INFO and above, while the test runs."""
    from tables_api import logger

    level = logger.log_level
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    # Swapped, not set: setStream flushes the old stream, which may be a closed capture of
    # sys.stdout from the test that first imported the logger.
    stream, handler.stream = handler.stream, buffer
    logger.setLevel("INFO")
    yield buffer
    logger.setLevel(level)
    handler.stream = stream


@contextmanager
def stubbed_table(logical_id: str) -> Iterator[Stubber]:
    """The table of a function's handler on a botocore Stubber, for the DynamoDB answers a
    test gives it (throttles, failures); the handler's own client comes back after."""
    table = load_handler(logical_id).items
    original, table.dynamodb = table.dynamodb, boto3.client("dynamodb")
    try:
        with Stubber(table.dynamodb) as stubber:
            yield stubber
    finally:
        table.dynamodb = original
