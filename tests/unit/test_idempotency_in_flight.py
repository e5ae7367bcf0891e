"""A write with an ``Idempotency-Key`` while an earlier request with the same key still runs:
a 409, and the first one's write happens once (two sandboxes of one function, as Lambda
runs two concurrent requests)."""

import json
import math
import threading
from typing import Any

from devstack.runtime import import_file
from devstack.template import function_code_dir
from dynamo_tables import SimpleTableClass
from tables_api.app import request_seconds
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

KEY = {"Idempotency-Key": "still-running"}


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
            first=first.lambda_handler(load_event("put_item", headers=KEY), FakeLambdaContext())
        )
    )
    try:
        running.start()
        assert writing.wait(timeout=30)
        answers["second"] = second.lambda_handler(load_event("put_item", headers=KEY), FakeLambdaContext())
    finally:
        may_finish.set()
        running.join(timeout=30)
        first.items.dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", hold_the_write)

    assert answers["second"]["statusCode"] == 409
    assert "still running" in json.loads(answers["second"]["body"])["detail"]
    # When the first run's hold on the key ends, at the latest: its deadline, not its timeout.
    retry_after = int(answers["second"]["multiValueHeaders"]["Retry-After"][0])
    assert 1 <= retry_after <= math.ceil(request_seconds(FakeLambdaContext()))
    assert answers["first"]["statusCode"] == 201
    assert SimpleTableClass(client=dynamodb).get_value("greeting").value == "hello, world"
