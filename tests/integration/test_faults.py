"""DynamoDB Local paused (SIGSTOP) or killed in the middle of a run, under the real
handlers in the runtime emulator: a clear 503 within the time budget, nothing
half-written, no acknowledged write lost, and recovery without a restart of the API."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.dynamodb_local import DynamoDBLocal, free_port
from devstack.stack import LocalStack
from tests.support.events import function_for, load_event
from tests.support.responses import body_of, header


@pytest.fixture(scope="module")
def faulty(
    local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DynamoDBLocal, LocalStack]]:
    """A DynamoDB Local of its own, keeping data on disk, and the functions on it."""
    dynamodb = DynamoDBLocal(free_port(), data_dir=Path(tmp_path_factory.mktemp("dynamodb"))).start()
    stack = LocalStack(
        ddb_port=dynamodb.port, data_dir=None, pool_size=1, build=False, log_sink=lambda *_: None
    )
    try:
        yield dynamodb, stack.start()
    finally:
        stack.stop()
        dynamodb.stop()


def call(stack: LocalStack, name: str, **overrides: Any) -> tuple[dict[str, Any], float]:
    """One sample event through the emulator; the response and how long it took."""
    event = load_event(name, **overrides)
    started = time.monotonic()
    response: dict[str, Any] = json.loads(stack.pools[function_for(event)].invoke(json.dumps(event).encode()))
    return response, time.monotonic() - started


def test_a_paused_dynamodb_is_a_503_within_the_budget_and_nothing_is_half_written(
    faulty: tuple[DynamoDBLocal, LocalStack],
) -> None:
    dynamodb, stack = faulty
    record = {"id": "paused-1"}
    created, _ = call(stack, "put_record", path_parameters=record, body={"status": "green"})
    assert created["statusCode"] == 201

    # When DynamoDB stops answering in the middle of a write
    dynamodb.pause()
    try:
        response, elapsed = call(
            stack, "patch_record", path_parameters=record, headers={"If-Match": '"1"'}, body={"status": "red"}
        )
    finally:
        dynamodb.resume()

    # Then the client hears a clear 503 before the function's timeout
    assert response["statusCode"] == 503
    assert header(response, "Retry-After") == "2"
    assert body_of(response)["status"] == 503
    assert elapsed < stack.specs["PatchRecordFunction"].timeout
    # and the record holds a whole write: the old one, or the new one, never a mix
    after, _ = call(stack, "get_record", path_parameters=record)
    state = body_of(after)
    assert (state["status"], state["version"] >= 2) in {("green", False), ("red", True)}
    # and the API recovers by itself
    again, _ = call(
        stack,
        "patch_record",
        path_parameters=record,
        headers={"If-Match": str(header(after, "ETag"))},
        body={"status": "green"},
    )
    assert again["statusCode"] == 200


def test_a_killed_dynamodb_is_a_503_and_every_acknowledged_write_survives_it(
    faulty: tuple[DynamoDBLocal, LocalStack],
) -> None:
    dynamodb, stack = faulty
    acknowledged, _ = call(stack, "put_item", path_parameters={"key": "kept"}, body={"value": "acknowledged"})
    assert acknowledged["statusCode"] == 201

    # When DynamoDB crashes
    dynamodb.kill()
    try:
        response, elapsed = call(stack, "get_item", path_parameters={"key": "kept"})
        write, _ = call(stack, "put_item", path_parameters={"key": "refused"}, body={"value": "v"})
    finally:
        dynamodb.start()

    # Then reads and writes get a 503, quickly: nothing is listening
    assert response["statusCode"] == 503
    assert write["statusCode"] == 503
    assert elapsed < stack.specs["GetItemFunction"].timeout
    # and once it is back, the same sandboxes serve again, the acknowledged write intact
    after, _ = call(stack, "get_item", path_parameters={"key": "kept"})
    assert (after["statusCode"], body_of(after)["value"]) == (200, "acknowledged")
    assert call(stack, "get_item", path_parameters={"key": "refused"})[0]["statusCode"] == 404
