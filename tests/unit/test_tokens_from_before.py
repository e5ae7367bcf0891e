"""Items written before the write tokens became 8-byte binaries (``tests/support/tokens_before.py``):
16 string tokens and a string ``Creator``. Their next write brings them to this version's
slots (the ones beyond are removed), and a rerun of a keyed request whose first run ran on
that version still recognises what it applied: its tokens are derived from the key, and
the text that version derived from it is looked for too."""

from typing import Any

import pytest

from dynamo_tables import ComplexTableClass, SimpleTableClass, WriteTokens
from dynamo_tables.status_index import item_size
from dynamo_tables.write_tokens import RECENT
from tests.support.tokens_before import (
    RECENT_BEFORE,
    put_record_before,
    put_value_before,
    token_before,
)

KEY = "order-1"
SEED = "an Idempotency-Key and its request"
TOKEN_BYTES = 8


def _stored(table: Any) -> dict[str, Any]:
    item: dict[str, Any] = table.get(KEY)["Item"]
    return item


def _slots(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name[0] == "W" and name[1:].isdigit()}


def _record_before(records: ComplexTableClass, writes: int, seed: str | None = None) -> None:
    for nth in range(writes):
        put_record_before(records.dynamodb, records.table_name, KEY, "green", {"n": nth}, token_before())
    if seed is not None:
        put_record_before(
            records.dynamodb, records.table_name, KEY, "red", {"n": "keyed"}, token_before(seed)
        )


def test_its_next_write_keeps_this_versions_slots_only(records: ComplexTableClass) -> None:
    _record_before(records, RECENT_BEFORE + 1)
    before = _slots(_stored(records))
    assert sorted(before) == sorted(f"W{slot}" for slot in range(RECENT_BEFORE))

    records.put_record(KEY, "green")

    after = _slots(_stored(records))
    assert sorted(after) == sorted(f"W{slot}" for slot in range(RECENT))
    assert len(after["W0"]["B"]) == TOKEN_BYTES
    assert [after[f"W{slot}"] for slot in range(1, RECENT)] == [
        before[f"W{slot}"] for slot in range(RECENT - 1)
    ]


def test_after_a_full_window_its_tokens_are_this_versions_size(records: ComplexTableClass) -> None:
    _record_before(records, RECENT_BEFORE + 1)

    for _ in range(RECENT):
        records.put_record(KEY, "green")

    slots = _slots(_stored(records))
    assert all(len(value["B"]) == TOKEN_BYTES for value in slots.values())
    assert item_size(slots) == RECENT * (2 + TOKEN_BYTES)


def test_until_then_its_tokens_are_larger_than_this_versions(records: ComplexTableClass) -> None:
    # What the README gives: 136 bytes after the first write (one binary, seven strings
    # shifted), down to this version's 80 only once RECENT writes have pushed the strings out.
    _record_before(records, RECENT_BEFORE + 1)
    sizes = []
    for _ in range(RECENT):
        records.put_record(KEY, "green")
        sizes.append(item_size(_slots(_stored(records))))

    assert sizes[0] == 136
    assert sizes[-2] > sizes[-1] == RECENT * (2 + TOKEN_BYTES)


def test_the_version_before_does_not_recognise_this_versions_tokens(records: ComplexTableClass) -> None:
    # The gap the README's upgrade note is about: a keyed first run on this version, then its
    # rerun on the version before (a canary, a rollback), which applies the write again.
    records.put_record(KEY, "green")
    records.put_record(KEY, "red", tokens=WriteTokens(SEED))
    put_record_before(records.dynamodb, records.table_name, KEY, "red", None, token_before(SEED))

    assert _stored(records)["Version"]["N"] == "3"


@pytest.mark.parametrize("since", [0, 1, RECENT_BEFORE - 1])
def test_a_keyed_rerun_recognises_a_put_its_first_run_made_before(
    records: ComplexTableClass, since: int
) -> None:
    """The first run wrote version 5 with the token that version derived from the key; then
    ``since`` other writes of that version landed, fewer than it kept tokens of."""
    _record_before(records, 4, seed=SEED)
    for _ in range(since):
        put_record_before(records.dynamodb, records.table_name, KEY, "green", None, token_before())
    stored = _stored(records)

    record, created = records.put_record(KEY, "red", {"n": "keyed"}, tokens=WriteTokens(SEED))

    assert (record.version, created) == (5, False)
    assert _stored(records) == stored  # applied nothing


@pytest.mark.parametrize("since", [1, RECENT - 1])
def test_and_with_writes_of_this_version_in_between(records: ComplexTableClass, since: int) -> None:
    _record_before(records, 4, seed=SEED)
    for _ in range(since):
        records.put_record(KEY, "green")
    stored = _stored(records)

    record = records.set_status(KEY, "red", tokens=WriteTokens(SEED))

    assert record.version == 5
    assert _stored(records) == stored


def test_a_keyed_rerun_of_a_create_from_before_is_the_creator(items: SimpleTableClass) -> None:
    put_value_before(items.dynamodb, items.table_name, KEY, "first", token_before(SEED))
    for _ in range(RECENT - 1):
        items.put_value(KEY, "other")
    stored = _stored(items)

    item, created = items.put_value(KEY, "first", WriteTokens(SEED))

    assert (item.value, created) == ("first", True)
    assert _stored(items) == stored


def test_an_item_from_before_keeps_its_creator_and_loses_the_slots_beyond(items: SimpleTableClass) -> None:
    creator = token_before()
    put_value_before(items.dynamodb, items.table_name, KEY, "first", creator)
    for _ in range(RECENT_BEFORE):
        put_value_before(items.dynamodb, items.table_name, KEY, "other", token_before())

    assert items.put_value(KEY, "new") == (items.get_value(KEY), False)

    stored = _stored(items)
    assert stored["Creator"] == {"S": creator}
    assert sorted(_slots(stored)) == sorted(f"W{slot}" for slot in range(RECENT))


def test_a_keyed_rerun_finds_the_token_from_before_no_more_once_pushed_out(
    records: ComplexTableClass,
) -> None:
    _record_before(records, 4, seed=SEED)
    for _ in range(RECENT):
        records.put_record(KEY, "green")

    assert records.set_status(KEY, "red", tokens=WriteTokens(SEED)).version == 5 + RECENT + 1


def test_a_delete_keeps_the_client_request_token_it_had() -> None:
    """A keyed delete's rerun after the deploy sends the ``ClientRequestToken`` its first run
    sent, so that DynamoDB still answers it as a repeat (10 minutes; DynamoDB Local shows it
    in tests/integration/test_tokens_from_before.py)."""
    tokens = WriteTokens(SEED)

    assert [tokens.next_token().value for _ in range(3)] == [token_before(SEED, nth) for nth in (1, 2, 3)]
