"""The window in which a write recognises its own retry (``write_tokens.py``): a retry with
the same tokens (an ``Idempotency-Key``'s rerun, or botocore's resend of the same request)
is answered as the first attempt was and applies nothing while fewer than ``RECENT``
other writes landed on the item in between; after ``RECENT`` it is a write again."""

from collections.abc import Callable
from typing import Any

import pytest

from dynamo_tables import ComplexTableClass, SimpleTableClass, WriteTokens
from dynamo_tables.write_tokens import RECENT

KEY = "order-1"
SEED = "an Idempotency-Key and its request"

Write = Callable[[WriteTokens | None], Any]


def _answer(result: Any) -> Any:
    """What a write answers that does not depend on when it ran: a record's version and
    whether it was created; an item as given and whether it was created."""
    if isinstance(result, tuple) and hasattr(result[0], "version"):
        return result[0].version, result[1]
    if hasattr(result, "version"):
        return result.version
    return result


def _writes(kind: str, items: SimpleTableClass, records: ComplexTableClass) -> tuple[Write, Write]:
    """(the write under test, another write of the same item), each with the tokens given."""
    if kind == "PUT /records":
        return (
            lambda tokens: records.put_record(KEY, "green", {"n": 1}, tokens=tokens),
            lambda tokens: records.put_record(KEY, "red", {"n": 2}, tokens=tokens),
        )
    if kind == "PATCH /records":
        records.put_record(KEY, "green")
        return (
            lambda tokens: records.set_status(KEY, "red", tokens=tokens),
            lambda tokens: records.set_status(KEY, "green", tokens=tokens),
        )
    return (
        lambda tokens: items.put_value(KEY, "first", tokens),
        lambda tokens: items.put_value(KEY, "other", tokens),
    )


KINDS = ["PUT /records", "PATCH /records", "PUT /items"]


def _stored(table: Any) -> Any:
    return table.get(KEY).get("Item")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("between", [0, 1, RECENT - 1])
def test_a_retry_is_recognised_while_fewer_than_recent_others_landed(
    items: SimpleTableClass, records: ComplexTableClass, kind: str, between: int
) -> None:
    write, other = _writes(kind, items, records)
    table = items if kind.endswith("items") else records
    first = write(WriteTokens(SEED))
    for _ in range(between):
        other(None)
    before = _stored(table)

    again = write(WriteTokens(SEED))

    assert _answer(again) == _answer(first)
    assert _stored(table) == before  # applied nothing


@pytest.mark.parametrize("kind", KINDS)
def test_after_recent_others_the_same_tokens_write_again(
    items: SimpleTableClass, records: ComplexTableClass, kind: str
) -> None:
    write, other = _writes(kind, items, records)
    table = items if kind.endswith("items") else records
    write(WriteTokens(SEED))
    for _ in range(RECENT):
        other(None)
    before = _stored(table)

    write(WriteTokens(SEED))

    after = _stored(table)
    assert after != before
    if table is records:
        assert int(after["Version"]["N"]) == int(before["Version"]["N"]) + 1


def test_the_second_write_of_a_request_takes_its_own_token(records: ComplexTableClass) -> None:
    """Two writes of one request (one ``WriteTokens``) are two writes, not a retry."""
    tokens = WriteTokens(SEED)
    records.put_record(KEY, "green", tokens=tokens)

    record, created = records.put_record(KEY, "red", tokens=tokens)

    assert (record.version, created) == (2, False)


def test_random_tokens_never_match(records: ComplexTableClass) -> None:
    for version in range(1, 2 * RECENT):
        assert records.put_record(KEY, "green")[0].version == version
