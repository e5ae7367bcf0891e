"""Property: anything outside the documented limits is refused before DynamoDB is called."""

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamo_tables import ComplexTableClass, InvalidInput, Precondition, SimpleTableClass
from dynamo_tables.limits import check_data
from tests.support.strategies import invalid_data, invalid_keys, json_equal, valid_data


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
