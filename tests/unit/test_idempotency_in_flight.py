"""A write with an ``Idempotency-Key`` while an earlier request with the same key still runs:
a 409, and the first one's write happens once (two sandboxes of one function, as Lambda
runs two concurrent requests)."""

import json
import math
import threading
import time
from typing import Any

from devstack.runtime import import_file
from devstack.template import function_code_dir
from dynamo_tables import SimpleTableClass
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

KEY = {"Idempotency-Key": "still-running"}


class ShorterContext(FakeLambdaContext):
    """The first request's function has less time left than the second's: its hold ends first."""

    def get_remaining_time_in_millis(self) -> int:
        return super().get_remaining_time_in_millis() - 3_000


def test_the_same_key_while_the_first_request_runs_is_a_409(dynamodb: Any) -> None:
    path = function_code_dir("PutItemFunction") / "app.py"
    first, second = (import_file(path, f"put_item_sandbox_{number}") for number in (1, 2))
    writing, may_finish = threading.Event(), threading.Event()

    def hold_the_write(**_: Any) -> None:  # the first request's write waits, in flight
        if not writing.is_set():
            writing.set()
            assert may_finish.wait(timeout=30)

    first.items.dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", hold_the_write)
    answers: dict[str, Any] = {}
    running = threading.Thread(
        target=lambda: answers.update(
            first=first.lambda_handler(load_event("put_item", headers=KEY), ShorterContext())
        )
    )
    try:
        running.start()
        assert writing.wait(timeout=30)
        (held,) = dynamodb.scan(TableName="IdempotencyTable")["Items"]
        held_for = int(held["in_progress_expiration"]["N"]) / 1000 - time.time()
        answers["second"] = second.lambda_handler(load_event("put_item", headers=KEY), FakeLambdaContext())
    finally:
        may_finish.set()
        running.join(timeout=30)
        first.items.dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", hold_the_write)

    assert answers["second"]["statusCode"] == 409
    assert "still running" in json.loads(answers["second"]["body"])["detail"]
    # When the first run's hold on the key ends, at the latest: its deadline, not its timeout.
    retry_after = int(answers["second"]["multiValueHeaders"]["Retry-After"][0])
    assert held_for <= retry_after <= math.ceil(held_for)  # the first run's, not the second's
    assert answers["first"]["statusCode"] == 201
    assert SimpleTableClass(client=dynamodb).get_value("greeting").value == "hello, world"
