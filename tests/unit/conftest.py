"""Unit tier: moto's ``mock_aws`` with the tables built from template.yaml."""

import importlib.util
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.template import api_routes, function_code_dir, table_definitions
from dynamo_tables import ComplexTableClass, SimpleTableClass
from tests.support.events import function_for, seed_tables
from tests.support.lambda_context import FakeLambdaContext


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """An empty mocked DynamoDB holding the template's tables, named by logical id as
    tests/conftest.py tells the table classes (SIMPLE_TABLE_NAME, COMPLEX_TABLE_NAME)."""
    with mock_aws():
        client = boto3.client("dynamodb")
        for logical_id, definition in table_definitions().items():
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


_handlers: dict[str, ModuleType] = {}


def load_handler(logical_id: str) -> ModuleType:
    """Import ``functions/<route>/app.py`` once per run, under a name of its own."""
    if logical_id not in _handlers:
        path = function_code_dir(logical_id) / "app.py"
        spec = importlib.util.spec_from_file_location(f"handler_{logical_id}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _handlers[logical_id] = module
    return _handlers[logical_id]


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


def all_function_ids() -> list[str]:
    return sorted(set(api_routes().values()))
