"""tests/unit/test_tokens_from_before.py and tests/unit/test_write_tokens.py on DynamoDB Local:
the guards are condition expressions DynamoDB evaluates (a Binary token against string
ones from before, ``IN`` over attribute paths, an empty Binary in an empty slot), which
moto only imitates; and a keyed delete rerun after the deploy, which moto cannot show
(it keeps no ``ClientRequestToken``)."""

from typing import Any

import pytest

from dynamo_tables import ComplexTableClass, SimpleTableClass, WriteTokens
from tests.support.tokens_before import delete_record_before, put_record_before, token_before
from tests.unit.test_tokens_from_before import (
    test_a_keyed_rerun_finds_the_token_from_before_no_more_once_pushed_out,
    test_a_keyed_rerun_of_a_create_from_before_is_the_creator,
    test_a_keyed_rerun_recognises_a_put_its_first_run_made_before,
    test_after_a_full_window_its_tokens_are_this_versions_size,
    test_an_item_from_before_keeps_its_creator_and_loses_the_slots_beyond,
    test_and_with_writes_of_this_version_in_between,
    test_its_next_write_keeps_this_versions_slots_only,
)
from tests.unit.test_write_tokens import (
    test_a_retry_is_recognised_while_fewer_than_recent_others_landed,
    test_after_recent_others_the_same_tokens_write_again,
    test_the_second_write_of_a_request_takes_its_own_token,
)

__all__ = [
    "test_a_keyed_rerun_finds_the_token_from_before_no_more_once_pushed_out",
    "test_a_keyed_rerun_of_a_create_from_before_is_the_creator",
    "test_a_keyed_rerun_recognises_a_put_its_first_run_made_before",
    "test_a_retry_is_recognised_while_fewer_than_recent_others_landed",
    "test_after_a_full_window_its_tokens_are_this_versions_size",
    "test_after_recent_others_the_same_tokens_write_again",
    "test_an_item_from_before_keeps_its_creator_and_loses_the_slots_beyond",
    "test_and_with_writes_of_this_version_in_between",
    "test_its_next_write_keeps_this_versions_slots_only",
    "test_the_second_write_of_a_request_takes_its_own_token",
]

SEED = "an Idempotency-Key and its request"


@pytest.fixture
def records(client: Any, table_names: dict[str, str]) -> ComplexTableClass:
    return ComplexTableClass(client=client, table_name=table_names["ComplexTable"], status_shards=0)


@pytest.fixture
def items(client: Any, table_names: dict[str, str]) -> SimpleTableClass:
    return SimpleTableClass(client=client, table_name=table_names["SimpleTable"])


def test_a_keyed_rerun_of_a_delete_from_before_is_a_success(records: ComplexTableClass) -> None:
    """Its first run deleted the record with the ``ClientRequestToken`` that version derived
    from the key; the rerun sends the same one, so DynamoDB answers it as a repeat (not
    NotFound, a 404 where the first run's answer was a 204)."""
    put_record_before(records.dynamodb, records.table_name, "order-1", "green", None, token_before())
    delete_record_before(records.dynamodb, records.table_name, "order-1", token_before(SEED))

    records.delete_record("order-1", tokens=WriteTokens(SEED))

    assert not records.exists("order-1")
