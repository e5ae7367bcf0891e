"""One deadline for a request's DynamoDB calls (dynamo_tables/deadline.py), on moto.

A slow DynamoDB is played by a botocore ``before-send`` handler that waits and then fails
the attempt as a read timeout does: the wire, not the code under test.
"""

import json
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from dynamo_tables import ComplexTableClass, Unavailable, default_client
from dynamo_tables.client import ATTEMPT_SECONDS
from dynamo_tables.deadline import seconds_left, within
from dynamo_tables.errors import DeadlinePassed
from tables_api.app import ANSWER_SECONDS, REQUEST_SECONDS, request_seconds
from tests.support.events import load_event
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext


class ShortContext(FakeLambdaContext):
    """A function with little time left: its request's deadline is set by it."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def _counting(first: bool) -> Iterator[list[tuple[str, float | None]]]:
    seen: list[tuple[str, float | None]] = []

    def count(request: Any, **_: Any) -> None:
        seen.append((request.headers["X-Amz-Target"].decode().rpartition(".")[2], seconds_left()))

    events = default_client().meta.events
    (events.register_first if first else events.register)("before-send.dynamodb", count)
    yield seen
    events.unregister("before-send.dynamodb", count)


@pytest.fixture
def attempts() -> Iterator[list[tuple[str, float | None]]]:
    """Every attempt the functions' client sends (after the deadline's check): its operation
    and the time left before the deadline."""
    yield from _counting(first=False)


@pytest.fixture
def tries() -> Iterator[list[tuple[str, float | None]]]:
    """Every attempt the functions' client makes, sent or refused by the deadline's check."""
    yield from _counting(first=True)


@pytest.fixture
def slow_writes() -> Iterator[None]:
    """Each write of a record waits half a second and then times out, as a slow DynamoDB's."""

    def time_out(request: Any, **_: Any) -> None:
        if request.headers["X-Amz-Target"].endswith(b"UpdateItem") and b'"ComplexTable"' in request.body:
            time.sleep(0.5)
            raise ReadTimeoutError(endpoint_url=request.url)

    events = default_client().meta.events
    events.register("before-send.dynamodb", time_out)
    yield
    events.unregister("before-send.dynamodb", time_out)


def test_outside_a_deadline_calls_are_as_before(dynamodb: Any, attempts: list[Any]) -> None:
    ComplexTableClass(client=default_client()).list_records()

    assert attempts == [("Scan", None)]


def test_an_attempt_that_could_end_past_the_deadline_is_not_sent(
    dynamodb: Any, tries: list[Any], attempts: list[Any]
) -> None:
    records = ComplexTableClass(client=default_client())
    with within(ATTEMPT_SECONDS - 0.1), pytest.raises(DeadlinePassed):
        records.list_records()

    assert issubclass(DeadlinePassed, Unavailable)  # the API's 503
    assert [operation for operation, _ in tries] == ["Scan"]  # refused once: botocore did not retry it
    assert attempts == []


@pytest.mark.parametrize("status_index_shards", ["4"], indirect=True)
def test_a_sharded_listing_queries_each_shard_within_the_request_deadline(
    dynamodb: Any, attempts: list[Any]
) -> None:
    records = ComplexTableClass(client=default_client())
    with within(REQUEST_SECONDS):
        records.list_by_status("green")

    assert len(attempts) == 4
    assert all(left is not None and 0 < left <= REQUEST_SECONDS for _, left in attempts)


def test_the_request_deadline_leaves_time_to_answer_before_the_function_times_out() -> None:
    assert request_seconds(FakeLambdaContext()) == min(
        REQUEST_SECONDS, FakeLambdaContext().get_remaining_time_in_millis() / 1000 - ANSWER_SECONDS
    )
    assert request_seconds(ShortContext(5_000)) == 5 - ANSWER_SECONDS
    assert request_seconds(object()) == REQUEST_SECONDS  # no Lambda context: the budget alone


def test_a_keyed_write_on_a_slow_dynamodb_answers_by_its_deadline(
    dynamodb: Any, attempts: list[Any], slow_writes: None
) -> None:
    """Its three calls share the deadline: every attempt had time to end before it, the
    answer is a 503, and its Retry-After is when the key's in-progress record has expired."""
    context = ShortContext(7_000)
    handler = load_handler("PutRecordFunction")
    event = load_event("put_record", headers={"Idempotency-Key": "slow-write"})

    answer = handler.lambda_handler(event, context)

    assert answer["statusCode"] == 503, answer["body"]
    assert [operation for operation, _ in attempts][:2] == ["PutItem", "UpdateItem"]
    assert all(left is not None and left >= ATTEMPT_SECONDS for _, left in attempts)
    held = dynamodb.scan(TableName="IdempotencyTable")["Items"]
    retry_after = int(answer["multiValueHeaders"]["Retry-After"][0])
    for item in held:  # still held (its delete was refused too), but only until the deadline
        expires_in = int(item["in_progress_expiration"]["N"]) / 1000 - time.time()
        assert expires_in <= retry_after
    assert retry_after <= math.ceil(request_seconds(context))
    assert json.loads(answer["body"])["status"] == 503


@pytest.fixture
def refused_after_keeping() -> Iterator[None]:
    """After the in-progress record is kept, DynamoDB refuses every connection at once."""

    def refuse(request: Any, **_: Any) -> None:
        if not request.headers["X-Amz-Target"].endswith(b"PutItem"):
            raise EndpointConnectionError(endpoint_url=request.url)

    events = default_client().meta.events
    events.register("before-send.dynamodb", refuse)
    yield
    events.unregister("before-send.dynamodb", refuse)


def test_a_503_says_to_retry_when_the_key_is_no_longer_held(
    dynamodb: Any, refused_after_keeping: None
) -> None:
    """The write failed fast and the record holding the key could not be deleted: it holds
    the key until the deadline, and the answer says to wait that long, not the usual 2 s."""
    handler = load_handler("PutRecordFunction")
    event = load_event("put_record", headers={"Idempotency-Key": "refused"})

    answer = handler.lambda_handler(event, FakeLambdaContext())

    assert answer["statusCode"] == 503, answer["body"]
    (held,) = dynamodb.scan(TableName="IdempotencyTable")["Items"]
    expires_in = int(held["in_progress_expiration"]["N"]) / 1000 - time.time()
    assert expires_in > 2  # longer than a 503's usual Retry-After
    assert expires_in <= int(answer["multiValueHeaders"]["Retry-After"][0])
