"""tests/unit/test_records_from_before.py on DynamoDB Local: a version-0 precondition is a
condition expression DynamoDB evaluates (``attribute_not_exists`` or a number in ``IN``),
on an item as the seed wrote it and as a re-shard's backfill stamped it, which moto only
imitates."""

from typing import Any

import pytest

from dynamo_tables import ComplexTableClass
from tests.unit.test_records_from_before import (
    from_before,
    test_a_record_from_before_is_version_0,
    test_if_match_0_patches_and_deletes_it,
    test_if_match_its_version_0_writes_once,
    test_if_none_match_0_refuses_it_and_a_missing_record_is_no_version_0,
)

__all__ = [
    "from_before",
    "test_a_record_from_before_is_version_0",
    "test_if_match_0_patches_and_deletes_it",
    "test_if_match_its_version_0_writes_once",
    "test_if_none_match_0_refuses_it_and_a_missing_record_is_no_version_0",
]


@pytest.fixture
def records(client: Any, table_names: dict[str, str]) -> ComplexTableClass:
    return ComplexTableClass(client=client, table_name=table_names["ComplexTable"], status_shards=0)
