"""The typed methods the handlers use: plain values, cursors, conditional writes."""

import re
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dynamo_tables import (
    AlreadyExists,
    ComplexTableClass,
    InvalidCursor,
    InvalidInput,
    InvalidPage,
    Item,
    NotFound,
    Precondition,
    SimpleTableClass,
    VersionConflict,
)
from dynamo_tables.limits import DYNAMODB_MAX_KEY_BYTES, MAX_DATA_DEPTH

ISO_MILLIS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


# --- items ---------------------------------------------------------------------------


def test_put_value_says_whether_it_created(items: SimpleTableClass) -> None:
    assert items.put_value("k", "one") == (Item("k", "one"), True)
    assert items.put_value("k", "two") == (Item("k", "two"), False)
    assert items.get_value("k") == Item("k", "two")


def test_missing_items_are_not_found(items: SimpleTableClass) -> None:
    with pytest.raises(NotFound):
        items.get_value("absent")
    with pytest.raises(NotFound):
        items.delete_value("absent")


def test_delete_value_removes_the_item(items: SimpleTableClass) -> None:
    items.put_value("k", "v")

    items.delete_value("k")

    assert not items.exists("k")


def test_following_cursors_visits_every_item_exactly_once(items: SimpleTableClass) -> None:
    keys = {f"key-{number:03}" for number in range(23)}
    for key in keys:
        items.put_value(key, "v")

    seen: list[str] = []
    page = items.list_values(limit=5)
    seen += [item.key for item in page.items]
    while page.next_cursor:
        page = items.list_values(limit=5, cursor=page.next_cursor)
        seen += [item.key for item in page.items]

    assert sorted(seen) == sorted(keys)


@pytest.mark.parametrize("cursor", ["garbage", "", "eyJ2IjoxfQ", "bm90IGpzb24"])
def test_cursors_not_issued_by_the_layer_are_refused(items: SimpleTableClass, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        items.list_values(cursor=cursor)


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_page_sizes_outside_1_to_100_are_refused(items: SimpleTableClass, limit: int) -> None:
    with pytest.raises(InvalidPage):
        items.list_values(limit=limit)


def test_a_cursor_from_one_listing_is_refused_by_another(records: ComplexTableClass) -> None:
    for number in range(3):
        records.put_record(f"r{number}", "green")
    green_cursor = records.list_by_status("green", limit=1).next_cursor
    assert green_cursor is not None

    with pytest.raises(InvalidCursor):
        records.list_by_status("red", cursor=green_cursor)
    with pytest.raises(InvalidCursor):
        records.list_records(cursor=green_cursor)


# --- records -------------------------------------------------------------------------


def test_put_record_creates_at_version_1_then_counts_every_write(records: ComplexTableClass) -> None:
    created, is_new = records.put_record("r", "green", {"n": 1})
    replaced, is_new_again = records.put_record("r", "red")
    patched = records.set_status("r", "green")

    assert (created.version, is_new) == (1, True)
    assert (replaced.version, is_new_again, replaced.data) == (2, False, None)
    assert (patched.version, patched.status) == (3, "green")
    assert ISO_MILLIS_UTC.fullmatch(patched.updated_at)
    assert records.get_record("r") == patched


def test_set_status_keeps_data(records: ComplexTableClass) -> None:
    records.put_record("r", "green", {"keep": ["me", 1.5, None, True, {"deep": 2}]})

    patched = records.set_status("r", "red")

    assert patched.data == {"keep": ["me", 1.5, None, True, {"deep": 2}]}
    assert records.get_record("r").data == patched.data


def test_if_match_succeeds_only_on_the_current_version(records: ComplexTableClass) -> None:
    records.put_record("r", "green")

    updated = records.set_status("r", "red", Precondition(versions=(1,)))
    with pytest.raises(VersionConflict):
        records.set_status("r", "green", Precondition(versions=(1,)))
    with pytest.raises(VersionConflict):
        records.put_record("r", "green", None, Precondition(versions=(1,)))
    with pytest.raises(VersionConflict):
        records.delete_record("r", Precondition(versions=(1,)))

    assert updated.version == 2
    assert records.get_record("r").status == "red"


def test_if_none_match_star_only_creates(records: ComplexTableClass) -> None:
    records.put_record("r", "green", None, Precondition(must_not_exist=True))

    with pytest.raises(AlreadyExists):
        records.put_record("r", "red", None, Precondition(must_not_exist=True))
    assert records.get_record("r").status == "green"


def test_if_match_on_a_missing_record(records: ComplexTableClass) -> None:
    with pytest.raises(VersionConflict):
        records.put_record("absent", "green", None, Precondition(versions=(1,)))
    with pytest.raises(VersionConflict):
        records.put_record("absent", "green", None, Precondition(must_exist=True))
    with pytest.raises(NotFound):
        records.set_status("absent", "green", Precondition(versions=(1,)))
    with pytest.raises(NotFound):
        records.delete_record("absent", Precondition(versions=(1,)))


def test_patch_and_delete_need_an_existing_record(records: ComplexTableClass) -> None:
    with pytest.raises(NotFound):
        records.set_status("absent", "green")
    with pytest.raises(NotFound):
        records.delete_record("absent")
    assert not records.exists("absent")  # the failed PATCH created nothing


def test_get_record_with_status_finds_it_only_when_the_status_matches(records: ComplexTableClass) -> None:
    records.put_record("r", "green")

    assert records.get_record("r", "green").id == "r"
    with pytest.raises(NotFound):
        records.get_record("r", "red")


def test_get_record_with_a_status_no_record_may_have_is_refused(unreachable: Any) -> None:
    # As everywhere else a status is read: one outside RecordStatuses is input breaking a rule.
    with pytest.raises(InvalidInput) as raised:
        ComplexTableClass(client=unreachable).get_record("r", "blue")
    assert raised.value.field == "status"


def test_list_by_status_queries_the_index(records: ComplexTableClass) -> None:
    for number in range(7):
        records.put_record(f"r{number}", "green" if number % 2 else "red")

    seen: list[str] = []
    cursor = None
    while True:
        page = records.list_by_status("green", limit=2, cursor=cursor)
        seen += [record.id for record in page.items]
        assert all(record.status == "green" for record in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sorted(seen) == ["r1", "r3", "r5"]


# --- limits: refused before DynamoDB is called ---------------------------------------


@pytest.fixture
def unreachable() -> Any:
    """A client whose every call fails the test: input must be refused before it."""
    client = boto3.client("dynamodb")
    with Stubber(client):  # no responses queued: any call raises UnStubbedResponseError
        yield client


# What DynamoDB refuses in a string key, so the layer refuses it before calling DynamoDB.
BAD_KEYS = [
    "",
    "lone \ud800 surrogate",
    "é" * (DYNAMODB_MAX_KEY_BYTES // 2 + 1),
    "x" * (DYNAMODB_MAX_KEY_BYTES + 1),
    5,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(unreachable: Any, key: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        SimpleTableClass(client=unreachable).put_value(key, "v")
    assert raised.value.field == "key"
    with pytest.raises(InvalidInput) as raised:
        ComplexTableClass(client=unreachable).get_record(key)
    assert raised.value.field == "id"


# What DynamoDB takes, the layer takes: the API's narrower rules live in the HTTP module.
@pytest.mark.parametrize(
    "key",
    [
        "http://example.com/video",
        "a/b/c",
        "/leading/",
        "tab\there",
        "nul\x00",
        "\x7f",
        "é" * (DYNAMODB_MAX_KEY_BYTES // 2),
    ],
)
def test_any_key_dynamodb_takes_is_accepted(
    items: SimpleTableClass, records: ComplexTableClass, key: str
) -> None:
    assert items.put_value(key, "v")[0].key == key
    assert items.get_value(key).key == key
    items.set_value(key, "seed")
    assert items.exists(key)
    items.remove(key)
    assert not items.exists(key)
    assert records.put_record(key, "green")[0].id == key
    assert records.get_record(key).id == key


def _nested(depth: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for _ in range(depth - 1):
        data = {"d": data}
    return data


BAD_DATA: list[Any] = [
    ["not", "an", "object"],
    # 38 digits whose last lies below 1E-165: DynamoDB's 38-digit precision cannot hold it
    {"n": Decimal("1.2345678901234567890123456789012345678E-130")},
    {"n": Decimal("1.0000000000000000000000000000000000001E-129")},
    {"": "empty member name"},
    {"n": float("nan")},
    {"n": float("inf")},
    {"n": 10**40 + 1},
    {"n": 1e200},
    {"n": 10**38 + 1},
    {"n": -1e39},
    {"n": 1e-131},
    {"x" * 256: 1},
    {"s": "\ud800"},
    _nested(MAX_DATA_DEPTH + 1),
]


@pytest.mark.parametrize("data", BAD_DATA)
def test_data_dynamodb_cannot_store_is_refused(unreachable: Any, data: Any) -> None:
    with pytest.raises(InvalidInput):
        ComplexTableClass(client=unreachable).put_record("r", "green", data)


@pytest.mark.parametrize("status", ["blue", "", "GREEN", None, 1])
def test_unknown_statuses_are_refused(unreachable: Any, status: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        ComplexTableClass(client=unreachable).put_record("r", status)
    assert raised.value.field == "status"


def test_data_at_the_depth_limit_round_trips(records: ComplexTableClass) -> None:
    data = _nested(MAX_DATA_DEPTH)
    assert records.put_record("r", "green", data)[0].data == data
    assert records.get_record("r").data == data


@pytest.mark.parametrize(
    ("number", "exactly"),
    [
        (10**38, 10**38),
        (-(10**37), -(10**37)),
        (10**37 + 1, 10**37 + 1),
        (12345678901234567890123456789012345678, 12345678901234567890123456789012345678),
        (1.5, Decimal("1.5")),
        (-0.0001, Decimal("-0.0001")),  # a float means the number its repr writes
        (1e-130, Decimal("1E-130")),
        (
            Decimal("3.1415926535897932384626433832795028841"),
            Decimal("3.1415926535897932384626433832795028841"),
        ),
        (Decimal("2.50"), Decimal("2.5")),
        (Decimal("7.0"), 7),
        (Decimal("0E-200"), 0),  # a zero is 0, whatever its exponent or sign
        (Decimal("0E+200"), 0),
        (Decimal("-0.000"), 0),
    ],
)
def test_numbers_within_dynamodb_limits_round_trip(
    records: ComplexTableClass, number: Any, exactly: Any
) -> None:
    # Integers come back as int, every other number as the exact Decimal, never a float.
    for data in (records.put_record("r", "green", {"n": number})[0].data, records.get_record("r").data):
        assert data == {"n": exactly}
        assert type(data["n"]) is type(exactly)
