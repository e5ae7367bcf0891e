"""Every handler, driven by API Gateway events from events/*.json."""

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from devstack.template import ROOT
from dynamo_tables import ComplexTableClass, SimpleTableClass, default_client
from tables_api.parsing import MAX_BODY_BYTES, MAX_KEY_BYTES
from tests.support.events import (
    WRITE_METHODS,
    event_names,
    expected_statuses,
    function_for,
    load_event,
    seed_tables,
    success_events,
)
from tests.support.handlers import load_handler
from tests.support.openapi import operation
from tests.support.responses import body_of, header
from tests.unit.conftest import Invoke

PROBLEM = "application/problem+json"


def assert_problem(response: dict[str, Any], status: int, mentions: str = "") -> dict[str, Any]:
    assert response["statusCode"] == status
    assert header(response, "Content-Type") == PROBLEM
    problem: dict[str, Any] = body_of(response)
    assert set(problem) == {"type", "title", "status", "detail"}
    assert problem["status"] == status
    assert mentions in problem["detail"]
    return problem


# --- every sample event, from the state it is written for ----------------------------


def test_every_event_file_names_a_route_and_an_outcome_its_operation_documents() -> None:
    # A plain event must succeed; a deliberate failure says its status in its name
    # (events/put_item_missing_value_422.json). Either way openapi.yaml documents it.
    for name in event_names():
        event = load_event(name)
        assert function_for(event), name  # a route of template.yaml serves it
        documented = {int(code) for code in operation(event["httpMethod"], event["resource"])["responses"]}
        assert expected_statuses(name), name
        assert expected_statuses(name) <= documented, name


def test_a_plain_event_is_expected_to_succeed_and_a_named_failure_to_fail() -> None:
    assert expected_statuses("put_item") == {200, 201}  # what PUT /items/{key} documents as 2xx
    assert expected_statuses("put_item_missing_value_422") == {422}
    assert "put_item" in success_events()
    assert "put_item_missing_value_422" not in success_events()


@pytest.mark.parametrize("name", event_names())
def test_each_event_gives_its_expected_status(seeded: None, invoke: Invoke, name: str) -> None:
    response = invoke(load_event(name))

    assert response["statusCode"] in expected_statuses(name)
    if response["statusCode"] >= 400 and load_event(name)["httpMethod"] != "HEAD":
        assert_problem(response, response["statusCode"])
    elif response["body"]:
        assert header(response, "Content-Type") == "application/json"


# --- items ---------------------------------------------------------------------------


def test_put_item_creates_then_replaces(invoke: Invoke) -> None:
    created = invoke(load_event("put_item", body={"value": "v1"}))
    replaced = invoke(load_event("put_item", body={"value": "v2"}))
    fetched = invoke(load_event("get_item", path_parameters={"key": "greeting"}))

    assert (created["statusCode"], body_of(created)) == (201, {"key": "greeting", "value": "v1"})
    assert header(created, "Location") == "/items/greeting"
    assert (replaced["statusCode"], header(replaced, "Location")) == (200, None)
    assert body_of(fetched) == {"key": "greeting", "value": "v2"}


def test_location_carries_the_stage_of_a_deployed_api(invoke: Invoke) -> None:
    event = load_event("put_item", path_parameters={"key": "a b"})
    event["requestContext"]["path"] = "/dev/items/a%20b"

    assert header(invoke(event), "Location") == "/dev/items/a%20b"


@pytest.mark.parametrize(
    "key",
    [
        'a?b#c"d\\e',
        "spaces and ü ñ 漢字",
        "%41",
        "x" * MAX_KEY_BYTES,
        "🙂",
        "http://example.com/video",
        "a/b/c",
        "/leading/",
    ],
)
def test_any_key_within_the_limits_round_trips(invoke: Invoke, key: str) -> None:
    put = load_event("put_item", path_parameters={"key": key}, body={"value": "v"})
    get = load_event("get_item", path_parameters={"key": key})
    get["path"] = f"/items/{key}"  # as SAM CLI's emulation sends it: decoded

    assert invoke(put)["statusCode"] == 201
    assert body_of(invoke(get)) == {"key": key, "value": "v"}


@pytest.mark.parametrize(
    "key", ["tab\there", "x" * (MAX_KEY_BYTES + 1), "\x00", "é" * (MAX_KEY_BYTES // 2 + 1)]
)
def test_keys_outside_the_limits_are_422(invoke: Invoke, key: str) -> None:
    response = invoke(load_event("put_item", path_parameters={"key": key}, body={"value": "v"}))

    assert_problem(response, 422, "key")


@pytest.mark.parametrize(
    ("raw_body", "status", "mentions"),
    [
        ('{"value": ', 400, "JSON"),
        ("", 400, "body"),
        ('{"value": NaN}', 400, "JSON"),
        ('["value"]', 422, "body"),
        ('{"value": 5}', 422, "value"),
        ('{"value": null}', 422, "value"),
        ('{"value": "v", "extra": 1}', 422, "extra"),
        ("{}", 422, "value"),
        ('{"value": "\\ud800"}', 422, "value"),
    ],
)
def test_bad_item_bodies(invoke: Invoke, raw_body: str, status: int, mentions: str) -> None:
    response = invoke(load_event("put_item", raw_body=raw_body))

    assert_problem(response, status, mentions)
    assert invoke(load_event("get_item", path_parameters={"key": "greeting"}))["statusCode"] == 404


def test_a_body_over_the_limit_is_413(invoke: Invoke) -> None:
    response = invoke(load_event("put_item", body={"value": "x" * MAX_BODY_BYTES}))

    assert_problem(response, 413)


def test_a_value_just_under_the_limit_is_stored(invoke: Invoke) -> None:
    value = "x" * (MAX_BODY_BYTES - len('{"value": ""}'))
    assert invoke(load_event("put_item", body={"value": value}))["statusCode"] == 201


def test_a_body_that_is_not_utf8_is_400(invoke: Invoke) -> None:
    event = load_event("put_item")
    event["body"] = base64.b64encode(b"\xff\x00\xffMY\x124").decode()
    event["isBase64Encoded"] = True

    assert_problem(invoke(event), 400, "UTF-8")


def test_base64_encoded_bodies_are_read(invoke: Invoke) -> None:
    event = load_event("put_item")
    event["body"] = base64.b64encode(b'{"value": "from base64"}').decode()
    event["isBase64Encoded"] = True

    assert body_of(invoke(event))["value"] == "from base64"


def test_head_answers_like_get_without_a_body(seeded: None, invoke: Invoke) -> None:
    found = invoke(load_event("head_item"))
    missing = invoke(load_event("head_item", path_parameters={"key": "absent"}))

    assert (found["statusCode"], found["body"]) == (200, "")
    assert (missing["statusCode"], missing["body"]) == (404, "")


def test_delete_item_then_it_is_gone(seeded: None, invoke: Invoke) -> None:
    assert invoke(load_event("delete_item"))["statusCode"] == 204
    assert invoke(load_event("delete_item"))["statusCode"] == 404
    assert invoke(load_event("get_item"))["statusCode"] == 404


def test_list_items_pages_through_everything(invoke: Invoke) -> None:
    for number in range(12):
        invoke(load_event("put_item", path_parameters={"key": f"k{number:02}"}, body={"value": "v"}))

    keys: list[str] = []
    query = {"limit": "5"}
    while True:
        page = body_of(invoke(load_event("list_items", query=query)))
        keys += [item["key"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        query = {"limit": "5", "cursor": page["next_cursor"]}

    assert sorted(keys) == [f"k{number:02}" for number in range(12)]


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"limit": "-1"}, {"cursor": "x"}]
)
def test_bad_list_queries_are_400(invoke: Invoke, query: dict[str, str]) -> None:
    assert_problem(invoke(load_event("list_items", query=query)), 400)


# --- records -------------------------------------------------------------------------


def test_null_data_is_refused_not_taken_for_no_data(seeded: None, invoke: Invoke) -> None:
    response = invoke(
        load_event("put_record", path_parameters={"id": "order-1"}, body={"status": "red", "data": None})
    )

    assert_problem(response, 422, "data")
    assert body_of(invoke(load_event("get_record")))["version"] == 1


def test_put_record_returns_etag_and_location_and_counts_versions(invoke: Invoke) -> None:
    created = invoke(load_event("put_record"))
    replaced = invoke(load_event("put_record", headers={"If-Match": '"1"'}, body={"status": "red"}))

    assert created["statusCode"] == 201
    assert header(created, "ETag") == '"1"'
    assert header(created, "Location") == "/records/order-2"
    assert body_of(created)["data"] == {"customer": "Ada", "total": 12.5, "lines": [1, 2]}
    assert (replaced["statusCode"], header(replaced, "ETag")) == (200, '"2"')
    assert "data" not in body_of(replaced)  # PUT replaces: no data sent, none kept


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-Match": '"1"'}, 200),
        ({"If-Match": '"0", "1"'}, 200),
        ({"If-Match": "*"}, 200),
        ({"If-Match": '"2"'}, 412),
        ({"If-Match": 'W/"1"'}, 412),
        ({"If-Match": '"abc"'}, 412),
        ({"If-Match": "1"}, 400),
        ({"If-Match": '"a,b", "1"'}, 200),
        ({"If-Match": ""}, 200),
        ({"If-None-Match": "*"}, 412),
        ({"If-None-Match": '"1"'}, 412),
        ({"If-None-Match": 'W/"1"'}, 412),
        ({"If-None-Match": '"7"'}, 200),
        ({"If-None-Match": "7"}, 400),
        ({"If-Match": '"1"', "If-None-Match": "*"}, 412),
        ({"If-Match": '"1"', "If-None-Match": '"7"'}, 200),
    ],
)
def test_put_record_preconditions(seeded: None, invoke: Invoke, headers: dict[str, str], status: int) -> None:
    event = load_event(
        "put_record", path_parameters={"id": "order-1"}, headers=headers, body={"status": "red"}
    )

    response = invoke(event)

    assert response["statusCode"] == status
    expected_status = "red" if status == 200 else "green"
    assert body_of(invoke(load_event("get_record")))["status"] == expected_status


def test_get_record_honours_if_none_match(seeded: None, invoke: Invoke) -> None:
    for tag, status in [('"1"', 304), ('W/"1"', 304), ("*", 304), ('"2"', 200)]:
        response = invoke(load_event("get_record", headers={"If-None-Match": tag}))
        assert response["statusCode"] == status
        assert header(response, "ETag") == '"1"'


def test_patch_record_sets_status_and_time_and_version(seeded: None, invoke: Invoke) -> None:
    before = body_of(invoke(load_event("get_record")))

    response = invoke(load_event("patch_record"))

    after = body_of(response)
    assert (after["status"], after["version"]) == ("red", 2)
    assert after["updated_at"] > before["updated_at"]
    assert header(response, "ETag") == '"2"'


@pytest.mark.parametrize(
    ("body", "status", "mentions"),
    [
        ({"status": "blue"}, 422, "status"),
        ({"status": "red", "data": {}}, 422, "data"),
        ({}, 422, "status"),
        ({"status": None}, 422, "status"),
    ],
)
def test_bad_patch_bodies(seeded: None, invoke: Invoke, body: Any, status: int, mentions: str) -> None:
    response = invoke(load_event("patch_record", headers={}, body=body))

    assert_problem(response, status, mentions)
    assert body_of(invoke(load_event("get_record")))["version"] == 1


def test_patch_of_a_missing_record_is_404(invoke: Invoke) -> None:
    assert_problem(invoke(load_event("patch_record", path_parameters={"id": "absent"})), 404)


def test_delete_record_with_a_stale_tag_keeps_it(seeded: None, invoke: Invoke) -> None:
    stale = invoke(load_event("delete_record", headers={"If-Match": '"9"'}))

    assert_problem(stale, 412)
    assert invoke(load_event("get_record"))["statusCode"] == 200
    assert invoke(load_event("delete_record", headers={"If-Match": '"1"'}))["statusCode"] == 204
    assert invoke(load_event("get_record"))["statusCode"] == 404


def test_list_records_filters_by_status_and_refuses_unknown_ones(invoke: Invoke) -> None:
    for number, status in enumerate(["green", "red", "green"]):
        invoke(load_event("put_record", path_parameters={"id": f"r{number}"}, body={"status": status}))

    green = body_of(invoke(load_event("list_records", query={"status": "green"})))["records"]
    everything = body_of(invoke(load_event("list_records", query={})))["records"]

    assert sorted(record["id"] for record in green) == ["r0", "r2"]
    assert len(everything) == 3
    assert_problem(invoke(load_event("list_records", query={"status": "blue"})), 422, "status")


@pytest.mark.parametrize(
    "data",
    [{"a": [1, 2.5, "x", None, True, {"b": {}}]}, {}, {"unicode": "漢字 🙂", "big": 12345678901234567890}],
)
def test_record_data_round_trips(invoke: Invoke, data: dict[str, Any]) -> None:
    invoke(load_event("put_record", body={"status": "green", "data": data}))

    assert body_of(invoke(load_event("get_record", path_parameters={"id": "order-2"})))["data"] == data


# --- faults --------------------------------------------------------------------------


@pytest.fixture
def throttled_items() -> Iterator[Stubber]:
    """The GET item handler's table, answering every call with a throttling error."""
    table = load_handler("GetItemFunction").items
    original, table.dynamodb = table.dynamodb, boto3.client("dynamodb")
    with Stubber(table.dynamodb) as stubber:
        yield stubber
    table.dynamodb = original


def test_throttling_is_a_503_with_retry_after(
    dynamodb: Any, throttled_items: Stubber, invoke: Invoke
) -> None:
    throttled_items.add_client_error(
        "get_item", "ProvisionedThroughputExceededException", http_status_code=400
    )

    response = invoke(load_event("get_item"))

    assert_problem(response, 503)
    assert header(response, "Retry-After") == "2"


def test_an_unexpected_error_is_a_generic_500(
    dynamodb: Any, throttled_items: Stubber, invoke: Invoke
) -> None:
    throttled_items.add_client_error("get_item", "ValidationException", "secret internal detail")

    response = invoke(load_event("get_item"))

    problem = assert_problem(response, 500)
    assert "secret" not in response["body"]
    assert "ValidationException" not in response["body"]
    assert problem["detail"] == "an unexpected error occurred"


def test_a_path_the_function_does_not_serve_is_a_404_problem(invoke: Invoke) -> None:
    event = load_event("get_item")
    event["path"] = "/elsewhere/hello"

    assert_problem(invoke(event), 404)


def test_numbers_in_data_are_answered_exactly(invoke: Invoke) -> None:
    # As text, never through float: 38 digits, and an integer past float precision.
    text = '{"pi": 3.1415926535897932384626433832795028841, "big": 12345678901234567890123456789012345678}'
    event = load_event("put_record", raw_body=f'{{"status": "green", "data": {text}}}')

    written = invoke(event)
    read = invoke(load_event("get_record", path_parameters={"id": "order-2"}))

    for response in (written, read):
        assert text.replace(" ", "") in response["body"]


def test_json_nested_deeper_than_python_reads_is_400(invoke: Invoke) -> None:
    deep = '{"value": ' + "[" * 100_000 + "]" * 100_000 + "}"

    assert_problem(invoke(load_event("put_item", raw_body=deep)), 400, "nested")


def test_more_versions_than_dynamodb_compares_at_once_are_422(seeded: None, invoke: Invoke) -> None:
    tags = ", ".join(f'"{number}"' for number in range(1, 150))
    event = load_event("patch_record", headers={"If-Match": tags})

    assert_problem(invoke(event), 422, "100")
    assert body_of(invoke(load_event("get_record")))["version"] == 1


def test_repeated_tags_count_once(seeded: None, invoke: Invoke) -> None:
    event = load_event("patch_record", headers={"If-Match": ", ".join(['"1"'] * 149)})

    assert invoke(event)["statusCode"] == 200


def test_without_an_idempotency_key_nothing_of_it_is_loaded() -> None:
    # A fresh interpreter, as a cold start: the handler answers a plain write without ever
    # importing the idempotency module or Powertools' utility.
    probe = """
import json, sys
from moto import mock_aws
import boto3
from devstack.template import table_definitions
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext
from tests.support.handlers import load_handler
with mock_aws():
    client = boto3.client("dynamodb")
    for logical_id, definition in table_definitions().items():
        client.create_table(TableName=logical_id, **definition)
    answer = load_handler("PutItemFunction").lambda_handler(load_event("put_item"), FakeLambdaContext())
print(json.dumps([answer["statusCode"], sorted(m for m in sys.modules if "idempotency" in m)]))
"""
    result = subprocess.run(  # noqa: S603 - this interpreter, on the probe above
        [sys.executable, "-c", "import tests.conftest\n" + probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/dynamo_tables"), str(ROOT)])},
    )

    assert json.loads(result.stdout.splitlines()[-1]) == [201, []]


def test_without_an_idempotency_key_no_call_reaches_its_table(
    items: SimpleTableClass, records: ComplexTableClass, invoke: Invoke
) -> None:
    writes = [name for name in success_events() if load_event(name)["httpMethod"] in WRITE_METHODS]
    tables: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        tables.append(params.get("TableName") or str(params.get("TransactItems")))

    client = default_client()  # the one client every handler in this process uses
    client.meta.events.register("provide-client-params.dynamodb", record)
    try:
        for name in writes:
            seed_tables(items, records)
            assert invoke(load_event(name))["statusCode"] < 300, name
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", record)

    assert len(writes) >= 5  # every write route's plain event
    assert len(tables) == len(writes)  # one call a write, and none of them to the idempotency table
    assert not [table for table in tables if "IdempotencyTable" in table]


def test_an_idempotency_key_longer_than_255_characters_is_400(invoke: Invoke) -> None:
    response = invoke(load_event("put_item", headers={"Idempotency-Key": "k" * 256}))

    assert_problem(response, 400, "Idempotency-Key")
    assert invoke(load_event("get_item", path_parameters={"key": "greeting"}))["statusCode"] == 404


def test_a_bad_key_with_an_idempotency_key_is_refused_before_any_answer_is_kept(
    invoke: Invoke, dynamodb: Any
) -> None:
    event = load_event("put_item", path_parameters={"key": "tab\there"}, headers={"Idempotency-Key": "k"})

    assert_problem(invoke(event), 422, "key")
    assert dynamodb.scan(TableName="IdempotencyTable")["Items"] == []
