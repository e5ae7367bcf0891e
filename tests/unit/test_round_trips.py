"""DynamoDB round trips per request: the minimum each operation needs, counted, never timed.

A single-item route is one call: a read is one GetItem, a write one conditional write
whose answer carries the image it needs (no read before, none after). A page of a listing
is one Scan or Query. A request the API refuses on its face makes no call at all.
"""

from typing import Any

import pytest

from dynamo_tables import default_client
from tests.support.events import event_names, expected_statuses, load_event
from tests.unit.conftest import Invoke

# Refused before the layer runs: malformed or invalid input.
REFUSED_ON_ITS_FACE = {400, 422}


def _counted_calls(invoke: Invoke, event: dict[str, Any]) -> tuple[int, list[str]]:
    operations: list[str] = []

    def count(model: Any, **_: Any) -> None:
        operations.append(model.name)

    client = default_client()  # the one client every handler in this process uses
    client.meta.events.register("before-call.dynamodb", count)
    try:
        status = invoke(event)["statusCode"]
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    return status, operations


@pytest.mark.parametrize("name", event_names())
def test_each_request_makes_the_fewest_calls_its_operation_needs(
    name: str, seeded: None, invoke: Invoke
) -> None:
    status, operations = _counted_calls(invoke, load_event(name))

    assert status in expected_statuses(name)
    expected = 0 if status in REFUSED_ON_ITS_FACE else 1
    assert len(operations) == expected, operations
