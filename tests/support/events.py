"""``events/*.json`` as test data: load one, override what a case needs.

Each event is written for one starting state (``SEEDED_ITEMS`` and ``SEEDED_RECORDS``).
A plain event (``put_item.json``) must succeed with a 2xx that openapi.yaml documents for
its operation; a deliberate failure ends its name in the status it must get
(``put_item_missing_value_422.json``). So a new route's event needs no test edit, and
every event file is checked by every test parametrized with ``event_names()``.
"""

import copy
import json
import re
from typing import Any
from urllib.parse import quote

from devstack.template import ROOT, api_routes
from tests.support.openapi import operation

EVENTS_DIR = ROOT / "events"

SEEDED_ITEMS = {"hello": "world", "http://example.com/video": "example.com"}
SEEDED_RECORDS = {"order-1": "green"}  # each at version 1

# A deliberate failure's name ends in the status it must get: get_item_missing_404.
_FAILURE = re.compile(r"_(?P<status>[1-5]\d\d)$")
# The methods that change data (and take an Idempotency-Key).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def expected_statuses(name: str) -> set[int]:
    """The statuses the event may get from the seeded state: the one its name ends in, or
    else any 2xx that openapi.yaml documents for its operation."""
    if failure := _FAILURE.search(name):
        return {int(failure["status"])}
    event = load_event(name)
    documented = operation(event["httpMethod"], event["resource"])["responses"]
    return {int(code) for code in documented if code.startswith("2")}


def success_events() -> list[str]:
    """The plain events: each route's request that must succeed from the seeded state."""
    return [name for name in event_names() if not _FAILURE.search(name)]


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
