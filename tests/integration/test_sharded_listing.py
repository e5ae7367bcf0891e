"""Listing by status on the write-sharded index, against DynamoDB Local.

Whatever the records, their statuses and last-updated times (ties included), the shard
count and the page sizes, walking a status's listing visits each of its records exactly
once, ordered by last-updated time, in the same order whatever the page sizes (equal times
go by shard, then in the index's own order: DynamoDB documents none for them, and DynamoDB
Local's is not by id); and a cursor that was edited, or issued for another listing, is an
InvalidCursor (the API's 400) or a page of this listing.
"""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, InvalidCursor
from dynamo_tables.cursor import encode_cursor
from dynamo_tables.models import Record
from tests.integration.test_cursors import edited

WALKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EDITS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A few ids and times, so shards hold several records and times tie, within and across shards.
IDS = st.sampled_from([f"r{n}" for n in range(12)] + ["é", "Z", "a/b", "r1 "])
TIMES = st.integers(0, 5).map(lambda second: f"2026-01-01T00:00:0{second}.000Z")
WRITES = st.lists(st.tuples(IDS, st.sampled_from(["green", "red"]), TIMES), min_size=0, max_size=25)


@pytest.fixture(scope="module")
def table(client: Any) -> Iterator[str]:
    """One table with the sharded index, emptied before each walk."""
    name = f"ComplexTable-sharded-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name, **table_definitions(parameters={"StatusIndexShards": "8"})["ComplexTable"]
    )
    yield name
    client.delete_table(TableName=name)


def _empty(client: Any, table: str) -> None:
    # Every page of the Scan: each reads at most 1 MB of items, whatever it projects.
    pages = client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="AttributeOneKey")
    for page in pages:
        for item in page["Items"]:
            client.delete_item(TableName=table, Key=item)


@contextmanager
def _clock(now: str) -> Iterator[None]:
    """Writes in this block are stamped ``now``."""
    with mock.patch("dynamo_tables.complex.utc_timestamp", return_value=now):
        yield


def _write(records: ComplexTableClass, writes: list[tuple[str, str, str]]) -> dict[str, Record]:
    """Apply the writes in turn (a later write of an id moves it); the records as they end."""
    final = {}
    for record_id, status, now in writes:
        with _clock(now):
            final[record_id] = records.put_record(record_id, status)[0]
    return final


@WALKS
@given(
    writes=WRITES,
    shards=st.integers(2, 32),
    status=st.sampled_from(["green", "red"]),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=8),
)
def test_a_walk_visits_each_record_of_the_status_once_in_order(
    client: Any, table: str, writes: list[tuple[str, str, str]], shards: int, status: str, sizes: list[int]
) -> None:
    # Given records written with these statuses and times, on this many shards
    _empty(client, table)
    records = ComplexTableClass(client=client, table_name=table, status_shards=shards)
    final = _write(records, writes)
    expected = {record for record in final.values() if record.status == status}

    # When the status's listing is walked with these page sizes (the last one repeated)
    seen: list[Record] = []
    cursor = None
    for page_number in range(len(expected) + 2):
        limit = sizes[min(page_number, len(sizes) - 1)]
        page = records.list_by_status(status, limit, cursor)
        assert len(page.items) <= limit
        if page.next_cursor is not None:
            assert len(page.items) == limit  # only the last page is short (records this small)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break

    # Then every record of the status comes exactly once, ordered by time, in the order
    # one page holding them all gives
    assert cursor is None
    assert sorted(seen, key=lambda record: record.id) == sorted(expected, key=lambda record: record.id)
    assert [record.updated_at for record in seen] == sorted(record.updated_at for record in seen)
    assert seen == records.list_by_status(status, 100).items


def test_a_walk_of_large_records_on_32_shards_has_pages_within_a_megabyte(client: Any, table: str) -> None:
    # Given 36 records of about 180 KB on 32 shards, some written at the same time (each
    # shard's Query stops at 1 MB: merged, one page of 100 could be 6 MB, Lambda's limit)
    _empty(client, table)
    records = ComplexTableClass(client=client, table_name=table, status_shards=32)
    for number in range(36):
        with _clock(f"2026-01-01T00:00:{number // 3:02}.000Z"):
            records.put_record(f"r{number}", "green", {"blob": "x" * 180_000})

    # When the listing is walked 100 at a time, and one at a time
    def walk(limit: int) -> tuple[list[Record], list[int]]:
        seen: list[Record] = []
        sizes: list[int] = []
        cursor = None
        while True:
            page = records.list_by_status("green", limit, cursor)
            sizes.append(sum(len(json.dumps(record.data)) for record in page.items))
            seen += page.items
            cursor = page.next_cursor
            if cursor is None:
                return seen, sizes

    seen, sizes = walk(100)

    # Then each page is at most 1 MB, and every record comes once, in order, as one at a time
    assert max(sizes) <= 1024 * 1024
    assert sorted(record.id for record in seen) == sorted(f"r{number}" for number in range(36))
    assert [record.updated_at for record in seen] == sorted(record.updated_at for record in seen)
    assert seen == walk(1)[0]
    _empty(client, table)


@pytest.fixture(scope="module")
def walked(client: Any, table: str) -> dict[str, Any]:
    """Issued cursors of several listings on one data set: (listing, cursor) pairs."""
    _empty(client, table)
    records = ComplexTableClass(client=client, table_name=table, status_shards=4)
    for number in range(10):
        with _clock(f"2026-01-01T00:00:0{number % 3}.000Z"):
            records.put_record(f"r{number}", "green" if number % 3 else "red")
    issued = []
    for shards in (4, 2):
        listing = ComplexTableClass(client=client, table_name=table, status_shards=shards)
        for status in ("green", "red"):
            first = listing.list_by_status(status, 1).next_cursor
            second = listing.list_by_status(status, 2, first).next_cursor
            issued += [((status, shards), cursor) for cursor in (first, second) if cursor is not None]
    unsharded = ComplexTableClass(client=client, table_name=table, status_shards=0)
    return {"records": records, "issued": issued, "unsharded": unsharded}


@EDITS
@given(data=st.data())
def test_an_edited_cursor_is_a_400_or_a_page_of_this_listing(
    walked: dict[str, Any], data: st.DataObject
) -> None:
    # Given a cursor one of the listings issued, edited as a client could edit it
    _, cursor = data.draw(st.sampled_from(walked["issued"]), label="issued")
    cursor = data.draw(edited(cursor), label="edited cursor")
    reader = data.draw(st.sampled_from(["green", "red"]), label="read by")

    # When the sharded listing (4 shards) reads it
    try:
        page = walked["records"].list_by_status(reader, 3, cursor)
    except InvalidCursor:
        return  # the API's 400
    # Then if it reads at all, it is a page of this listing: its own records, each once
    assert all(record.status == reader for record in page.items)
    found = [record.id for record in page.items]
    assert set(found) <= {f"r{number}" for number in range(10)}
    assert len(found) == len(set(found)) <= 3


def test_a_cursor_for_another_listing_is_refused(walked: dict[str, Any]) -> None:
    records = walked["records"]
    for (status, shards), cursor in walked["issued"]:
        other = "red" if status == "green" else "green"
        with pytest.raises(InvalidCursor):
            records.list_by_status(other, 3, cursor)  # another status
        if shards != 4:
            with pytest.raises(InvalidCursor):
                records.list_by_status(status, 3, cursor)  # another shard count
        with pytest.raises(InvalidCursor):
            walked["unsharded"].list_by_status(status, 3, cursor)  # the seed index's listing
    # What the seed index's listing issues (a table has one index or the other: made here)
    seed_key: dict[str, Any] = {"AttributeOneKey": {"S": "r1"}, "AttributeTwoKey": {"S": "green"}}
    with pytest.raises(InvalidCursor):
        records.list_by_status("green", 3, encode_cursor("records:green", seed_key))


def test_the_seed_filter_by_key_two_finds_every_record_of_the_status(walked: dict[str, Any]) -> None:
    found = walked["records"].filter_by_key_two("green")

    assert sorted(item["AttributeOneKey"]["S"] for item in found["Items"]) == sorted(
        f"r{number}" for number in range(10) if number % 3
    )
