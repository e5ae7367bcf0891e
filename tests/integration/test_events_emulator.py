"""Every events/*.json through AWS's runtime emulator, running what sam build made,
against DynamoDB Local: the Docker-free equivalent of ``sam local invoke -e``."""

import json

import pytest

from devstack.runtime import EmulatedRuntime, RuntimePool, emulator_binary
from devstack.stack import LocalStack, dynamodb_client
from dynamo_tables import ComplexTableClass, SimpleTableClass
from tests.support.events import event_names, expected_statuses, function_for, load_event, seed_tables


def test_this_host_has_the_emulator() -> None:
    # Linux x86_64 and arm64 do; without it the stack would silently run in process.
    assert emulator_binary() is not None


@pytest.mark.parametrize("name", event_names())
def test_each_event_gives_its_expected_status_through_the_emulator(
    local_stack: LocalStack, name: str
) -> None:
    client = dynamodb_client(local_stack.endpoint_url)
    seed_tables(
        SimpleTableClass(client=client, table_name="SimpleTable"),
        ComplexTableClass(client=client, table_name="ComplexTable"),
    )
    event = load_event(name)

    response = json.loads(local_stack.pools[function_for(event)].invoke(json.dumps(event).encode()))

    assert response["statusCode"] in expected_statuses(name), response.get("body")


def test_a_sandbox_that_died_while_idle_is_replaced(local_stack: LocalStack) -> None:
    # Given a function whose only idle sandbox has died
    pool = RuntimePool(local_stack.runtime_factory("GetItemFunction"), size=1)
    pool.warm()
    (sandbox,) = pool._idle
    assert isinstance(sandbox, EmulatedRuntime)
    sandbox.stop()
    try:
        # When the next request comes
        response = json.loads(pool.invoke(json.dumps(load_event("get_item_missing_404")).encode()))
    finally:
        pool.close()

    # Then a fresh sandbox serves it
    assert response["statusCode"] == 404
