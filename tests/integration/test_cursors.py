"""Cursors a client edited, against the real DynamoDB Local: a page or a 400, never a 5xx.

Every cursor here starts as one the layer really issued for a listing; Hypothesis then
edits it the ways a client (or an attacker) could. moto takes start keys DynamoDB
refuses, so this runs on DynamoDB Local.
"""

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, InvalidPage, SimpleTableClass
from dynamo_tables.models import Page

EDITS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAGE_SIZES = {"items": 2, "records": 2, "records:green": 1, "records:red": 1}
# What each listing holds (the fixture writes six of each), by key or id.
MEMBERS = {
    "items": {f"http://example.com/{number}" for number in range(6)},
    "records": {f"r/{number}" for number in range(6)},
    "records:green": {f"r/{number}" for number in range(6) if number % 2},
    "records:red": {f"r/{number}" for number in range(6) if not number % 2},
}


@pytest.fixture(scope="module")
def listings(client: Any) -> Iterator[dict[str, Callable[[str], Page[Any]]]]:
    """Each listing of the API, on tables with enough members to page, by name."""
    suffix = uuid.uuid4().hex[:8]
    names = {logical_id: f"{logical_id}-cursors-{suffix}" for logical_id in table_definitions()}
    for logical_id, definition in table_definitions().items():
        client.create_table(TableName=names[logical_id], **definition)
    items = SimpleTableClass(client=client, table_name=names["SimpleTable"])
    records = ComplexTableClass(client=client, table_name=names["ComplexTable"])
    for number in range(6):
        items.put_value(f"http://example.com/{number}", "v")
        records.put_record(f"r/{number}", "green" if number % 2 else "red")
    yield {
        "items": lambda cursor: items.list_values(PAGE_SIZES["items"], cursor),
        "records": lambda cursor: records.list_records(PAGE_SIZES["records"], cursor),
        "records:green": lambda cursor: records.list_by_status("green", PAGE_SIZES["records:green"], cursor),
        "records:red": lambda cursor: records.list_by_status("red", PAGE_SIZES["records:red"], cursor),
    }
    for name in names.values():
        client.delete_table(TableName=name)


def _issued(listings: dict[str, Callable[[str], Page[Any]]], name: str) -> str:
    cursor = listings[name](None).next_cursor  # type: ignore[arg-type]
    assert cursor is not None
    return cursor


def _decode(cursor: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return payload


def _encode(payload: Any) -> str:
    text = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


_VALUES = st.one_of(
    st.text(max_size=20),
    st.just(""),
    st.sampled_from(["green", "red", "blue", "GREEN"]),
    st.text(st.characters(categories=["Cc"]), min_size=1, max_size=5),
    st.integers(min_value=2049, max_value=4000).map(lambda size: "k" * size),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


@st.composite
def edited(draw: st.DrawFn, cursor: str) -> str:
    """An issued cursor, edited in one of the ways a client could edit it."""
    payload = _decode(cursor)
    how = draw(st.sampled_from(["value", "drop", "add", "scope", "version", "bytes", "append", "swap"]))
    if how == "value":
        payload["k"][draw(st.sampled_from(sorted(payload["k"])))] = draw(_VALUES)
    elif how == "drop":
        payload["k"].pop(draw(st.sampled_from(sorted(payload["k"]))))
    elif how == "add":
        payload["k"][draw(st.text(min_size=1, max_size=20))] = draw(_VALUES)
    elif how == "scope":
        payload["s"] = draw(st.sampled_from(["items", "records", "records:green", "records:red", "", 5]))
    elif how == "version":
        payload["v"] = draw(st.one_of(st.integers(), st.text(max_size=3), st.none()))
    elif how == "swap":
        payload = draw(st.one_of(st.lists(st.integers(), max_size=3), st.text(max_size=10), st.none()))
    else:
        raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if how == "bytes" and raw:
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
        else:
            raw += draw(st.binary(min_size=1, max_size=20))
        return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    return _encode(payload)


@pytest.mark.parametrize("listing", ["items", "records", "records:green", "records:red"])
def test_an_issued_cursor_gives_the_next_page(
    listings: dict[str, Callable[[str], Page[Any]]], listing: str
) -> None:
    assert listings[listing](_issued(listings, listing)).items


@pytest.mark.parametrize("listing", ["items", "records", "records:green", "records:red"])
@EDITS
@given(data=st.data())
def test_an_edited_cursor_gives_a_page_or_a_400_never_a_5xx(
    listings: dict[str, Callable[[str], Page[Any]]], listing: str, data: st.DataObject
) -> None:
    # Given a cursor this listing really issued, edited; for each listing to read it with
    origin = data.draw(st.sampled_from(sorted(listings)), label="issued by")
    cursor = data.draw(edited(_issued(listings, origin)), label="edited cursor")

    try:
        page = listings[listing](cursor)
    except InvalidPage:
        return  # the API's 400
    # Then if it reads at all, it is a page of this listing: its own members, each once
    found = [entry.key if listing == "items" else entry.id for entry in page.items]
    assert set(found) <= MEMBERS[listing]
    assert len(found) == len(set(found)) <= PAGE_SIZES[listing]


@pytest.mark.parametrize(
    ("issued_by", "read_by"), [("records:green", "records:red"), ("records:red", "records:green")]
)
def test_a_cursor_edited_to_name_the_other_status_is_refused(
    listings: dict[str, Callable[[str], Page[Any]]], issued_by: str, read_by: str
) -> None:
    payload = _decode(_issued(listings, issued_by))
    payload["s"] = read_by  # the scope now matches the listing; the key still names the other status

    with pytest.raises(InvalidPage):
        listings[read_by](_encode(payload))
