"""The sizes the README, docs/PERFORMANCE.md and ``write_tokens.py`` give for what the write
tokens cost, by DynamoDB's item-size rule (``status_index.item_size``), on the items the
layer writes; ``tests/integration/test_write_units.py`` measures the write units."""

from typing import Any

from dynamo_tables import ComplexTableClass, SimpleTableClass
from dynamo_tables.records import RECORD_VERSION
from dynamo_tables.schema import COMPLEX_SCHEMA_KEY_SHARD
from dynamo_tables.settings import MAX_STATUS_INDEX_SHARDS
from dynamo_tables.status_index import item_size
from dynamo_tables.write_tokens import CREATOR, RECENT, TOKEN_BYTES

WRITE_UNIT_BYTES = 1024  # DynamoDB bills a write per started kilobyte of the item
SEED_BYTES = 900  # what a record's seed attributes and data may take (an item's key and value)
WORST_VERSION = "9" * 16  # write_tokens.py: more than a record reaches
WORST_STATUS = "x" * 8  # the longest status the budget allows for
CREATOR_BEFORE = "x" * 16  # a Creator written before tokens were binaries, kept for good


def _tokens(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name[0] == "W" and name[1:].isdigit()}


def _slots(count: int) -> dict[str, Any]:
    return {f"W{slot}": {"B": b"t" * TOKEN_BYTES} for slot in range(count)}


def _after_writes(records: ComplexTableClass, record_id: str, data: dict[str, Any] | None) -> dict[str, Any]:
    for _ in range(RECENT):
        records.put_record(record_id, "green", data)
    item: dict[str, Any] = records.get(record_id)["Item"]
    return item


def test_the_tokens_of_a_full_window_are_80_bytes(records: ComplexTableClass) -> None:
    item = _after_writes(records, "order-1", None)

    assert item_size(_tokens(item)) == RECENT * (2 + TOKEN_BYTES) == 80


def test_the_slots_a_first_write_leaves_empty_are_their_names_only(
    records: ComplexTableClass, items: SimpleTableClass
) -> None:
    records.put_record("order-1", "green")
    items.put_value("hello", "world")

    for item in (records.get("order-1")["Item"], items.get("hello")["Item"]):
        assert item_size(_tokens(item)) == 2 + TOKEN_BYTES + (RECENT - 1) * 2 == 24
    assert item_size({CREATOR: items.get("hello")["Item"][CREATOR]}) == 7 + TOKEN_BYTES


def test_recent_is_the_most_slots_the_largest_extras_leave_room_for() -> None:
    """What the layer adds to a record's 900 bytes, each at its largest (write_tokens.py):
    the version, the shard, and, on an item, a Creator from before."""
    budget = WRITE_UNIT_BYTES - SEED_BYTES
    shard = f"{WORST_STATUS}#{MAX_STATUS_INDEX_SHARDS - 1}"
    record: dict[str, Any] = {RECORD_VERSION: {"N": WORST_VERSION}, COMPLEX_SCHEMA_KEY_SHARD: {"S": shard}}
    item: dict[str, Any] = {CREATOR: {"S": CREATOR_BEFORE}}

    assert (item_size(record), item_size(item)) == (16 + 28, 23)
    assert item_size({**record, **_slots(RECENT)}) == budget == 124  # exactly
    assert item_size({**record, **_slots(RECENT + 1)}) > budget
    assert item_size({**item, **_slots(RECENT)}) < budget


def test_a_record_without_data_is_171_bytes_and_passes_a_kilobyte_past_844_bytes_of_data(
    records: ComplexTableClass,
) -> None:
    bare = item_size(_after_writes(records, "order-1", None))
    # "Data" and a map of one member named "n": what a string of data adds besides itself
    overhead = item_size(_after_writes(records, "order-2", {"n": ""})) - bare
    one_unit = item_size(_after_writes(records, "order-3", {"n": "x" * (WRITE_UNIT_BYTES - bare - overhead)}))

    assert bare == 171  # id and status 42, time 41, version 8, tokens 80
    assert WRITE_UNIT_BYTES - bare - overhead == 844  # a string this long in data: one unit still
    assert one_unit == WRITE_UNIT_BYTES
