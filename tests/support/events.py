"""``events/*.json`` as test data: load one, override what a case needs.

Each event is written for one starting state (``SEEDED_ITEMS`` and ``SEEDED_RECORDS``)
and is meant to produce the status in ``EXPECTED_STATUS``; a unit test checks that
every event file has an expectation, so a new event cannot go untested.
"""

import copy
import json
from typing import Any
from urllib.parse import quote

from devstack.template import ROOT, api_routes

EVENTS_DIR = ROOT / "events"

SEEDED_ITEMS = {"hello": "world", "http://example.com/video": "example.com"}
SEEDED_RECORDS = {"order-1": "green"}  # each at version 1

EXPECTED_STATUS = {
    "put_item": 201,
    "put_item_malformed_json": 400,
    "put_item_missing_value": 422,
    "get_item": 200,
    "get_item_missing": 404,
    "get_item_url_key": 200,
    "put_item_url_key": 201,
    "head_item": 200,
    "delete_item": 204,
    "list_items": 200,
    "list_items_bad_limit": 400,
    "put_record": 201,
    "put_record_create_only_conflict": 412,
    "put_record_unknown_status": 422,
    "get_record": 200,
    "get_record_wrong_status": 404,
    "head_record": 200,
    "patch_record": 200,
    "patch_record_stale_if_match": 412,
    "delete_record": 204,
    "list_records": 200,
    "list_records_by_status": 200,
    "list_records_bad_cursor": 400,
}


def seed_tables(items: Any, records: Any) -> None:
    """Put the tables in the state every event is written for (after emptying them)."""
    for table in (items, records):
        for item in table.list_all()["Items"]:
            table.dynamodb.delete_item(TableName=table.table_name, Key={table.key_name: item[table.key_name]})
    for key, value in SEEDED_ITEMS.items():
        items.set_value(key, value)
    for record_id, status in SEEDED_RECORDS.items():
        records.put_record(record_id, status)


def event_names() -> list[str]:
    return sorted(path.stem for path in EVENTS_DIR.glob("*.json"))


def load_event(
    name: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An event from ``events/<name>.json`` with the given parts replaced.

    ``body`` is JSON-encoded; ``raw_body`` is sent as it is (for malformed JSON).
    """
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    event = copy.deepcopy(event)
    if path_parameters is not None:
        event["pathParameters"] = path_parameters
        path = event["resource"]
        for parameter, value in path_parameters.items():
            # As API Gateway REST: the path stays percent-encoded, the parameters decoded.
            path = path.replace("{" + parameter + "+}", quote(value, safe=""))
        event["path"] = event["requestContext"]["path"] = path
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {key: [value] for key, value in query.items()} or None
    if headers is not None:
        event["headers"].update(headers)
        event["multiValueHeaders"].update({key: [value] for key, value in headers.items()})
    if body is not None:
        event["body"] = json.dumps(body)
    if raw_body is not None:
        event["body"] = raw_body
    return event


def function_for(event: dict[str, Any]) -> str:
    """The logical id of the function template.yaml routes this event to."""
    return api_routes()[(event["httpMethod"], event["resource"])]
