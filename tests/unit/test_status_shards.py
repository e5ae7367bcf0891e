"""The write-sharded status index (template parameter ``StatusIndexShards``), on moto.

Off (the default) the layer makes exactly the seed index's calls; on, each write makes one
call still, stamping the record's shard, and a page of a listing by status makes one Query
per shard. The listing's order and cursors are proved against DynamoDB Local in
tests/integration/test_sharded_listing.py.
"""

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.stack import ensure_tables
from devstack.template import ROOT, load_template, table_definitions
from dynamo_tables import ComplexTableClass, ConfigurationError, InvalidCursor
from dynamo_tables.settings import status_index_shards
from dynamo_tables.status_index import merge, status_shard

SHARD_ATTRIBUTE = "AttributeTwoShard"
SHARD_INDEX = "AttributeTwoShardIndexName"
SEED_QUERY = {
    "TableName": "ComplexTable",
    "IndexName": "AttributeTwoIndexName",
    "KeyConditionExpression": "#status = :status",
    "ExpressionAttributeNames": {"#status": "AttributeTwoKey"},
    "ExpressionAttributeValues": {":status": {"S": "green"}},
    "Limit": 2,
}


def _tables(shards: int) -> dict[str, dict[str, Any]]:
    return table_definitions(parameters={"StatusIndexShards": str(shards)})


@pytest.fixture
def calls() -> Iterator[tuple[Any, list[tuple[str, dict[str, Any]]]]]:
    """A mocked client on the template's tables (shards on) and every call it makes."""
    made: list[tuple[str, dict[str, Any]]] = []
    client = boto3.client("dynamodb")  # before the mock, as tests/unit/conftest.py says why
    with mock_aws():
        for logical_id, definition in _tables(8).items():
            client.create_table(TableName=logical_id, **definition)

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            made.append((model.name, params))

        client.meta.events.register("provide-client-params.dynamodb.*", record)
        yield client, made


# --- the template ---------------------------------------------------------------------


def test_off_by_default_the_table_has_the_seed_index_exactly() -> None:
    assert _tables(0) == table_definitions()
    (index,) = table_definitions()["ComplexTable"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "AttributeTwoIndexName"
    assert index["KeySchema"] == [{"AttributeName": "AttributeTwoKey", "KeyType": "HASH"}]


@pytest.mark.parametrize("billing", ["PAY_PER_REQUEST", "PROVISIONED"])
def test_on_the_sharded_index_replaces_the_seed_one(billing: str) -> None:
    table = table_definitions(parameters={"StatusIndexShards": "8", "BillingMode": billing})["ComplexTable"]

    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == SHARD_INDEX
    assert index["KeySchema"] == [
        {"AttributeName": SHARD_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": "AttributeThreeKey", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert ("ProvisionedThroughput" in index) == (billing == "PROVISIONED")
    assert sorted(a["AttributeName"] for a in table["AttributeDefinitions"]) == [
        "AttributeOneKey",
        "AttributeThreeKey",
        SHARD_ATTRIBUTE,
    ]


def test_the_parameter_is_off_by_default_bounded_and_reaches_every_function() -> None:
    template = load_template()
    parameter = template["Parameters"]["StatusIndexShards"]

    assert parameter["Default"] == 0
    assert 0 in parameter["AllowedValues"]
    assert 1 not in parameter["AllowedValues"]  # one shard spreads nothing
    assert max(parameter["AllowedValues"]) == 32
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["STATUS_INDEX_SHARDS"] == {"Ref": "StatusIndexShards"}


def test_the_local_stack_builds_its_tables_with_the_functions_parameters() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")

        ensure_tables(client, {"StatusIndexShards": "4"})

        (index,) = client.describe_table(TableName="ComplexTable")["Table"]["GlobalSecondaryIndexes"]
        assert index["IndexName"] == SHARD_INDEX


# --- settings -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shards"), [(None, 0), ("0", 0), ("2", 2), (" 8 ", 8), ("32", 32)])
def test_status_index_shards_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, shards: int
) -> None:
    if value is None:
        monkeypatch.delenv("STATUS_INDEX_SHARDS", raising=False)
    else:
        monkeypatch.setenv("STATUS_INDEX_SHARDS", value)

    assert status_index_shards() == shards


@pytest.mark.parametrize("value", ["1", "33", "-2", "x", ""])
def test_a_malformed_shard_count_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("STATUS_INDEX_SHARDS", value)

    with pytest.raises(ConfigurationError, match="STATUS_INDEX_SHARDS"):
        ComplexTableClass(client=boto3.client("dynamodb"))


# --- the shard ------------------------------------------------------------------------


def test_the_shard_is_a_stable_hash_of_the_id() -> None:
    # Pinned: a different answer in a later release would strand every written record.
    assert [status_shard(f"order-{n}", 8) for n in range(8)] == PINNED_SHARDS
    assert {status_shard(f"r{n}", 4) for n in range(200)} == {0, 1, 2, 3}


# The first 8 bytes of the id's SHA-256, big-endian, modulo the shard count.
PINNED_SHARDS = [7, 4, 3, 7, 2, 1, 2, 7]


# --- off: the seed's calls, exactly ---------------------------------------------------


def test_off_the_calls_are_the_seed_index_ones(dynamodb: Any) -> None:
    made: list[tuple[str, dict[str, Any]]] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.*", lambda params, model, **_: made.append((model.name, params))
    )
    records = ComplexTableClass(client=dynamodb)

    records.put_record("a", "green")
    records.set_status("a", "green")
    records.update("b", "green")
    records.put("c", {"AttributeTwoKey": {"S": "green"}})
    page = records.list_by_status("green", limit=2)
    records.list_by_status("green", limit=2, cursor=page.next_cursor)

    assert [name for name, _ in made] == [
        "UpdateItem",
        "UpdateItem",
        "UpdateItem",
        "PutItem",
        "Query",
        "Query",
    ]
    for _, params in made[:3]:
        assert SHARD_ATTRIBUTE not in params["ExpressionAttributeNames"].values()
    assert made[3][1]["Item"] == {"AttributeOneKey": {"S": "c"}, "AttributeTwoKey": {"S": "green"}}
    assert made[4][1] == SEED_QUERY
    assert {name: value for name, value in made[5][1].items() if name != "ExclusiveStartKey"} == SEED_QUERY
    assert ComplexTableClass(client=dynamodb).status_shards == 0


# --- on: one call per write, one Query per shard per page -----------------------------


def test_every_write_that_sets_the_status_stamps_the_shard_in_its_one_call(calls: Any) -> None:
    client, made = calls
    records = ComplexTableClass(client=client, status_shards=8)

    records.put_record("order-1", "green")
    records.set_status("order-1", "red")
    records.update("order-2", "green")
    records.put("order-3", {"AttributeTwoKey": {"S": "red"}})

    assert [name for name, _ in made] == ["UpdateItem", "UpdateItem", "UpdateItem", "PutItem"]
    stored = {
        item["AttributeOneKey"]["S"]: item[SHARD_ATTRIBUTE]["S"]
        for item in client.scan(TableName="ComplexTable")["Items"]
    }
    assert stored == {
        "order-1": f"red#{PINNED_SHARDS[1]}",
        "order-2": f"green#{PINNED_SHARDS[2]}",
        "order-3": f"red#{PINNED_SHARDS[3]}",
    }


@pytest.mark.parametrize("shards", [2, 5, 8])
def test_a_page_makes_one_query_per_shard_and_no_more(calls: Any, shards: int) -> None:
    client, made = calls
    records = ComplexTableClass(client=client, status_shards=shards)
    for number in range(12):
        records.put_record(f"r{number}", "green")
    made.clear()

    seen: list[str] = []
    per_page: list[int] = []
    cursor = None
    while True:
        made.clear()
        page = records.list_by_status("green", limit=5, cursor=cursor)
        per_page.append(len(made))
        assert {name for name, _ in made} == {"Query"}
        assert {params["IndexName"] for _, params in made} == {SHARD_INDEX}
        seen += [record.id for record in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert per_page[0] == shards  # every shard, once
    assert all(queries <= shards for queries in per_page)  # at most once each, fewer as they end
    assert sorted(seen) == sorted(f"r{number}" for number in range(12))


def test_the_first_page_queries_every_shard_in_parallel_once(calls: Any) -> None:
    client, made = calls
    records = ComplexTableClass(client=client, status_shards=8)
    records.put_record("r", "green")
    made.clear()

    records.list_by_status("green", limit=3)

    shard_keys = sorted(params["ExpressionAttributeValues"][":shard"]["S"] for _, params in made)
    assert shard_keys == [f"green#{shard}" for shard in range(8)]


def test_the_seed_filter_by_key_two_reads_every_shard(calls: Any) -> None:
    client, _ = calls
    records = ComplexTableClass(client=client, status_shards=8)
    for number in range(10):
        records.put_record(f"r{number}", "green" if number % 2 else "red")

    found = records.filter_by_key_two("green")

    assert found["Count"] == 5
    assert sorted(item["AttributeOneKey"]["S"] for item in found["Items"]) == ["r1", "r3", "r5", "r7", "r9"]


def test_the_seed_put_without_a_time_is_still_listed_by_its_status(calls: Any) -> None:
    # The sharded index sorts by the last-updated time: an item without one is not in it.
    client, _ = calls
    records = ComplexTableClass(client=client, status_shards=8)

    records.put("c", {"AttributeTwoKey": {"S": "green"}})
    records.put(
        "d", {"AttributeTwoKey": {"S": "green"}, "AttributeThreeKey": {"S": "2026-01-01T00:00:00.000Z"}}
    )

    assert [item["AttributeOneKey"]["S"] for item in records.filter_by_key_two("green")["Items"]] == [
        "d",
        "c",
    ]
    assert [record.id for record in records.list_by_status("green").items] == ["d", "c"]
    stored = client.get_item(TableName="ComplexTable", Key={"AttributeOneKey": {"S": "d"}})["Item"]
    assert stored["AttributeThreeKey"] == {"S": "2026-01-01T00:00:00.000Z"}  # a time given is kept


def test_changing_the_shard_count_on_records_misses_those_on_shards_it_drops(calls: Any) -> None:
    # What docs/PERFORMANCE.md says of changing N on a table with records, without a backfill:
    # a record keeps the shard it was written with until it is written again.
    client, _ = calls
    for number in range(40):
        ComplexTableClass(client=client, status_shards=8).put_record(f"r{number}", "green")

    def listed(shards: int) -> int:
        records = ComplexTableClass(client=client, status_shards=shards)
        count = len(records.list_by_status("green", 100).items)
        assert records.filter_by_key_two("green")["Count"] == count
        return count

    assert listed(8) == 40
    assert listed(4) == sum(status_shard(f"r{number}", 8) < 4 for number in range(40)) < 40  # shrunk: missed
    assert listed(16) == listed(9) == 40  # grown: every old shard is among the new ones


def test_a_cursor_of_one_shard_count_is_refused_by_another(calls: Any) -> None:
    client, _ = calls
    for number in range(6):
        ComplexTableClass(client=client, status_shards=4).put_record(f"r{number}", "green")
    cursor = ComplexTableClass(client=client, status_shards=4).list_by_status("green", limit=1).next_cursor

    with pytest.raises(InvalidCursor):
        ComplexTableClass(client=client, status_shards=8).list_by_status("green", cursor=cursor)
    with pytest.raises(InvalidCursor):
        ComplexTableClass(client=client, status_shards=4).list_by_status("red", cursor=cursor)


# --- cold start -----------------------------------------------------------------------


def test_the_default_path_imports_nothing_new_at_module_scope() -> None:
    # The thread pool serves only sharded listings: it is imported where it is used.
    module_imports = [
        node
        for module in (ROOT / "layers/dynamo_tables/dynamo_tables").glob("*.py")
        for node in ast.parse(module.read_text()).body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    names = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name) or ""
        for node in module_imports
        for alias in node.names
    }
    assert not {name for name in names if re.match(r"concurrent|threading", name)}


def _item(updated: str, record_id: str, blob: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = {"AttributeOneKey": {"S": record_id}, "AttributeThreeKey": {"S": updated}}
    if blob:
        item["Data"] = {"M": {"blob": {"S": "x" * blob}}}
    return item


def test_a_page_stops_where_a_cut_short_shard_could_come_next() -> None:
    # DynamoDB cuts a Query short at 1 MB: that shard's unread records may come before the
    # other shard's, so the page ends with its last record read.
    cut_short = ([_item("t1", "a")], ("t1", "a"))
    later = ([_item("t2", "b"), _item("t3", "c")], None)

    page, taken = merge({0: cut_short, 1: later}, 3)

    assert page == [_item("t1", "a")]
    assert taken == {0: 1, 1: 0}
    assert merge({0: ([], ("t0", "x")), 1: later}, 3) == ([], {0: 0, 1: 0})


def test_equal_times_go_by_shard_then_each_shard_in_its_own_order() -> None:
    answers = {
        1: ([_item("t1", "a"), _item("t1", "0")], None),
        0: ([_item("t1", "z"), _item("t2", "b")], None),
    }

    page, _ = merge(answers, 10)

    assert [item["AttributeOneKey"]["S"] for item in page] == ["z", "a", "0", "b"]


# --- a page's bytes -------------------------------------------------------------------


def test_a_merged_page_stops_at_about_a_megabyte_as_one_query_would() -> None:
    # Every shard's Query may return 1 MB: merged, a page could be N MB. It stops where the
    # next record would take it past 1 MB, as the seed index's one Query does.
    answers = {
        shard: ([_item(f"t{n}", f"s{shard}-{n}", blob=300_000) for n in range(3)], None) for shard in range(4)
    }

    page, taken = merge(answers, 100)

    assert len(page) == 3  # three of 300 KB fit in 1 MB, four do not
    assert sum(taken.values()) == 3
    assert [item["AttributeThreeKey"]["S"] for item in page] == ["t0", "t0", "t0"]


def test_a_merged_page_takes_one_record_whatever_its_size() -> None:
    page, taken = merge({0: ([_item("t1", "a", blob=2_000_000), _item("t2", "b")], None)}, 10)

    assert [item["AttributeOneKey"]["S"] for item in page] == ["a"]
    assert taken == {0: 1}


def test_a_walk_of_large_records_on_many_shards_has_pages_within_a_megabyte(calls: Any) -> None:
    # 40 records of 200 KB on 32 shards, listed 100 at a time: unbounded, one page is 8 MB
    # (Lambda answers at most 6 MB).
    client, _ = calls
    records = ComplexTableClass(client=client, status_shards=32)
    for number in range(40):
        records.put_record(f"r{number}", "green", {"blob": "x" * 200_000})

    seen: list[Any] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = records.list_by_status("green", limit=100, cursor=cursor)
        sizes.append(sum(len(json.dumps(record.data)) for record in page.items))
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break

    assert max(sizes) <= 1024 * 1024
    assert len(sizes) > 1
    assert sorted(record.id for record in seen) == sorted(f"r{number}" for number in range(40))
    assert [record.updated_at for record in seen] == sorted(record.updated_at for record in seen)
