"""Properties: what DynamoDB would refuse, the table classes refuse before calling it; what the
API's own limits refuse, the HTTP module refuses before any table class sees it."""

import json
from collections.abc import Callable, Iterator
from typing import Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamo_tables import ComplexTableClass, InvalidInput, Precondition, SimpleTableClass
from dynamo_tables.limits import check_data, check_key
from tables_api import create_app, json_response
from tests.support.lambda_context import FakeLambdaContext
from tests.support.strategies import (
    api_keys,
    api_refused_keys,
    dynamodb_keys,
    invalid_data,
    invalid_keys,
    json_equal,
    valid_data,
)


@pytest.fixture(scope="module")
def unreachable() -> Iterator[Any]:
    """A client with no responses queued: any call raises UnStubbedResponseError, not InvalidInput."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client):
        yield client


@settings(max_examples=300)
@given(key=invalid_keys)
def test_bad_keys_are_refused_by_every_typed_method(unreachable: Any, key: Any) -> None:
    items = SimpleTableClass(client=unreachable)
    records = ComplexTableClass(client=unreachable)
    calls: list[Callable[[], object]] = [
        lambda: items.get_value(key),
        lambda: items.put_value(key, "v"),
        lambda: items.delete_value(key),
        lambda: records.get_record(key),
        lambda: records.put_record(key, "green"),
        lambda: records.set_status(key, "red", Precondition(versions=(1,))),
        lambda: records.delete_record(key),
    ]
    for call in calls:
        with pytest.raises(InvalidInput):
            call()


@settings(max_examples=300)
@given(data=invalid_data())
def test_bad_data_is_refused_before_dynamodb(unreachable: Any, data: Any) -> None:
    with pytest.raises(InvalidInput):
        ComplexTableClass(client=unreachable).put_record("r", "green", data)


@settings(max_examples=300)
@given(data=valid_data)
def test_data_within_the_limits_passes_the_checks_unchanged(data: dict[str, Any]) -> None:
    assert json_equal(check_data("data", data), data)


@given(status=st.text().filter(lambda status: status not in ("green", "red")))
def test_statuses_outside_the_allowed_set_are_refused(unreachable: Any, status: str) -> None:
    with pytest.raises(InvalidInput):
        ComplexTableClass(client=unreachable).put_record("r", status)


@settings(max_examples=300)
@given(key=dynamodb_keys)
def test_keys_dynamodb_takes_pass_the_layer_checks_unchanged(key: str) -> None:
    assert check_key("key", key) == key


def _route_answer(key: str) -> dict[str, Any]:
    app = create_app()

    @app.get("/items/<key>")
    def item(key: str) -> object:
        return json_response({"key": key})

    event = {"httpMethod": "GET", "path": "/items/x", "headers": {}, "pathParameters": {"key": key}}
    response: dict[str, Any] = app.resolve(event, cast(LambdaContext, FakeLambdaContext()))
    return response


@settings(max_examples=300)
@given(key=api_keys)
def test_keys_within_the_api_limits_reach_the_route_unchanged(key: str) -> None:
    response = _route_answer(key)

    assert (response["statusCode"], json.loads(response["body"])) == (200, {"key": key})


@settings(max_examples=300)
@given(key=api_refused_keys)
def test_keys_outside_the_api_limits_are_422_before_the_route_runs(key: str) -> None:
    assert _route_answer(key)["statusCode"] == 422
