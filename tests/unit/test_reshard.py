"""Re-sharding the status index (``StatusIndexShardsBefore``): which index a listing reads
while a migration is under way, what a write stamps, and the backfill's own rules, on moto.

The migration end to end, with writers running, is proved on DynamoDB Local in
tests/integration/test_reshard.py.
"""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, ConfigurationError
from dynamo_tables.reshard import Backfill, TokenBucket, item_update
from dynamo_tables.reshard_checks import records_not_right
from dynamo_tables.settings import status_index_shards_before
from dynamo_tables.status_index import read_shards, status_shard
from tests.support.events import load_event
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.openapi import response_validator

SEED_INDEX = "AttributeTwoIndexName"
SHARD_INDEX = "AttributeTwoShardIndexName"


@pytest.fixture
def migrating() -> Iterator[tuple[Any, list[tuple[str, dict[str, Any]]]]]:
    """A mocked client on the tables the template gives while migrating 0 -> 8 (both
    indexes), and every call it makes."""
    made: list[tuple[str, dict[str, Any]]] = []
    client = boto3.client("dynamodb")
    with mock_aws():
        parameters = {"StatusIndexShards": "8", "StatusIndexShardsBefore": "0"}
        for logical_id, definition in table_definitions(parameters=parameters).items():
            client.create_table(TableName=logical_id, **definition)
        client.meta.events.register(
            "provide-client-params.dynamodb.*", lambda params, model, **_: made.append((model.name, params))
        )
        yield client, made


# --- which index a listing reads -------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "before", "read"),
    [
        (0, None, 0),  # not migrating: as the count says
        (8, None, 8),
        (8, 0, 0),  # 0 -> 8: the seed's index is complete, the sharded one not yet
        (0, 8, 0),  # 8 -> 0: the seed's index, which DynamoDB itself fills
        (3, 8, 8),  # 8 -> 3: every record is on a shard below 8, moved or not
        (8, 3, 8),
        (8, 8, 8),
    ],
)
def test_a_listing_reads_an_index_that_holds_every_record_whatever_the_backfill_did(
    after: int, before: int | None, read: int
) -> None:
    assert read_shards(after, before) == read


@pytest.mark.parametrize(("value", "before"), [(None, None), ("", None), ("0", 0), ("8", 8), (" 3 ", 3)])
def test_the_count_before_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, before: int | None
) -> None:
    if value is None:
        monkeypatch.delenv("STATUS_INDEX_SHARDS_BEFORE", raising=False)
    else:
        monkeypatch.setenv("STATUS_INDEX_SHARDS_BEFORE", value)

    assert status_index_shards_before() == before


@pytest.mark.parametrize("value", ["1", "33", "x"])
def test_a_malformed_count_before_fails_the_cold_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("STATUS_INDEX_SHARDS_BEFORE", value)

    with pytest.raises(ConfigurationError, match="STATUS_INDEX_SHARDS_BEFORE"):
        ComplexTableClass(client=boto3.client("dynamodb"))


def test_the_table_class_reads_both_counts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUS_INDEX_SHARDS", "3")
    monkeypatch.setenv("STATUS_INDEX_SHARDS_BEFORE", "8")

    records = ComplexTableClass(client=boto3.client("dynamodb"))

    assert (records.status_shards, records.shards_before, records.read_shards) == (3, 8, 8)


def test_migrating_from_0_writes_stamp_the_new_shard_and_listings_read_the_seed_index(migrating: Any) -> None:
    client, made = migrating
    records = ComplexTableClass(client=client, status_shards=8, shards_before=0)

    records.put_record("order-1", "green")
    records.put("order-2", {"AttributeTwoKey": {"S": "green"}})
    made.clear()
    listed = records.list_by_status("green")
    found = records.filter_by_key_two("green")

    assert {params["IndexName"] for _, params in made} == {SEED_INDEX}
    assert sorted(record.id for record in listed.items) == ["order-1", "order-2"]
    assert found["Count"] == 2
    stored = {item["AttributeOneKey"]["S"]: item for item in client.scan(TableName="ComplexTable")["Items"]}
    assert stored["order-1"]["AttributeTwoShard"] == {"S": f"green#{status_shard('order-1', 8)}"}
    assert stored["order-2"]["AttributeTwoShard"] == {"S": f"green#{status_shard('order-2', 8)}"}


def test_migrating_to_0_writes_stamp_no_shard(migrating: Any) -> None:
    client, made = migrating
    records = ComplexTableClass(client=client, status_shards=0, shards_before=8)

    records.put_record("order-1", "green")
    records.put("order-2", {"AttributeTwoKey": {"S": "green"}})

    assert all("AttributeTwoShard" not in str(params) for _, params in made)


def test_migrating_between_counts_a_listing_queries_the_larger_count_of_shards(migrating: Any) -> None:
    client, made = migrating
    old = ComplexTableClass(client=client, status_shards=8)
    for number in range(20):
        old.put_record(f"r{number}", "green")  # on shards 0..7
    records = ComplexTableClass(client=client, status_shards=3, shards_before=8)
    for number in range(20, 30):
        records.put_record(f"r{number}", "green")  # on shards 0..2
    made.clear()

    listed = records.list_by_status("green", limit=100)

    assert sorted(params["ExpressionAttributeValues"][":shard"]["S"] for _, params in made) == sorted(
        f"green#{shard}" for shard in range(8)
    )
    assert sorted(record.id for record in listed.items) == sorted(f"r{number}" for number in range(30))
    assert records.filter_by_key_two("green")["Count"] == 30


def test_migrating_from_0_a_listing_falls_back_to_the_sharded_index_once_the_seed_one_is_gone(
    migrating: Any,
) -> None:
    # Step 2 drops the seed's index before `make publish` moves the functions off the
    # migrating configuration: by then the backfill has filled the sharded one.
    client, _ = migrating
    records = ComplexTableClass(client=client, status_shards=8, shards_before=0)
    records.put_record("order-1", "green")
    client.update_table(
        TableName="ComplexTable", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": SEED_INDEX}}]
    )

    assert [record.id for record in records.list_by_status("green").items] == ["order-1"]
    assert records.filter_by_key_two("green")["Count"] == 1


# --- the backfill's update of one item ---------------------------------------------------


def _seed_item(**more: Any) -> dict[str, Any]:
    return {"AttributeOneKey": {"S": "order-1"}, "AttributeTwoKey": {"S": "green"}, **more}


def test_an_item_the_seed_wrote_without_a_time_gets_one_and_its_next_version() -> None:
    """The time shows in the record (``updated_at``): a new body, so a new ETag (version 1)."""
    update = item_update(_seed_item(), 8, "2026-01-01T00:00:00.000Z")

    assert update is not None
    assert update["ConditionExpression"] == (
        "attribute_exists(#id) AND #status = :status AND attribute_not_exists(#updated)"
    )
    assert update["UpdateExpression"] == (
        "SET #updated = :now, #version = if_not_exists(#version, :zero) + :one, #shard = :shard"
    )
    assert update["ExpressionAttributeValues"][":shard"] == {"S": f"green#{status_shard('order-1', 8)}"}
    assert not any(name.startswith("W") for name in update["ExpressionAttributeNames"].values())


def test_an_item_the_seed_wrote_with_a_time_gets_its_shard_and_version_0_and_nothing_else() -> None:
    update = item_update(_seed_item(AttributeThreeKey={"S": "2024-05-01-10-30"}), 8, "now")

    assert update is not None
    assert update["ConditionExpression"] == "attribute_exists(#id) AND #status = :status"
    assert update["UpdateExpression"] == "SET #version = if_not_exists(#version, :zero), #shard = :shard"
    assert update["ExpressionAttributeValues"] == {
        ":status": {"S": "green"},
        ":zero": {"N": "0"},
        ":shard": {"S": f"green#{status_shard('order-1', 8)}"},
    }


def test_to_0_the_shard_is_removed() -> None:
    item = _seed_item(AttributeTwoShard={"S": "green#3"}, AttributeThreeKey={"S": "t"}, Version={"N": "4"})

    update = item_update(item, 0, "now")

    assert update is not None
    assert update["UpdateExpression"].endswith("REMOVE #shard")
    assert ":shard" not in update["ExpressionAttributeValues"]


@pytest.mark.parametrize("shards", [0, 3, 8])
def test_an_item_already_right_is_left_alone(shards: int) -> None:
    item = _seed_item(AttributeThreeKey={"S": "t"}, Version={"N": "2"})
    if shards:
        item["AttributeTwoShard"] = {"S": f"green#{status_shard('order-1', shards)}"}

    assert item_update(item, shards, "now") is None


def test_the_backfill_keeps_the_etag_and_the_write_tokens_of_what_it_stamps(migrating: Any) -> None:
    client, _ = migrating
    seed = ComplexTableClass(client=client, status_shards=0)
    seed.put("order-1", {"AttributeTwoKey": {"S": "green"}})  # no version, no time, no token
    seed.put("order-3", {"AttributeTwoKey": {"S": "red"}, "AttributeThreeKey": {"S": "2024-05-01-10-30"}})
    api = ComplexTableClass(client=client, status_shards=0)
    written = api.put_record("order-2", "red")[0]
    before = {item["AttributeOneKey"]["S"]: item for item in client.scan(TableName="ComplexTable")["Items"]}

    counts = Backfill(client, "ComplexTable", 8, checkpoint=None).run()

    after = {item["AttributeOneKey"]["S"]: item for item in client.scan(TableName="ComplexTable")["Items"]}
    assert counts.updated == 3
    assert after["order-3"]["Version"] == {"N": "0"}  # its ETag "0", as before
    assert api.get_record("order-3").version == 0
    timed = api.get_record("order-1")  # it shows a time now: a new ETag
    assert (timed.version, bool(timed.updated_at)) == (1, True)
    assert api.get_record("order-2") == written
    for record_id in ("order-2", "order-3"):
        unchanged = {name for name in before[record_id] if name != "AttributeTwoShard"}
        assert {name: after[record_id][name] for name in unchanged} == {
            name: before[record_id][name] for name in unchanged
        }
    assert Backfill(client, "ComplexTable", 8, checkpoint=None).run().updated == 0  # a no-op again


# --- the rate ---------------------------------------------------------------------------


class FakeClock:
    """A clock that only the bucket's sleeps move."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_bucket_lets_through_at_most_its_rate_after_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock.time, sleep=clock.sleep)

    times = []
    for _ in range(100):
        bucket.take()
        times.append(clock.now)

    assert sum(clock.sleeps) >= (100 - 10) / 10 - 1e-9
    for start in times:
        assert sum(start <= moment < start + 1 for moment in times) <= 10 + 10  # rate + burst


def test_throttling_halves_the_rate_and_success_brings_it_back() -> None:
    clock = FakeClock()
    bucket = TokenBucket(40, clock=clock.time, sleep=clock.sleep)

    bucket.slow_down()
    bucket.slow_down()
    assert bucket.rate == 10
    for _ in range(1000):
        bucket.take()
        bucket.recover()
    assert bucket.rate == 40


@pytest.mark.parametrize(
    ("after", "before", "complete"),
    [(3, 8, False), (8, 3, False), (8, 0, True), (0, 8, True), (8, None, True), (0, None, True)],
)
def test_a_page_by_status_says_plainly_when_a_record_may_be_missing_from_it(
    migrating: Any, monkeypatch: pytest.MonkeyPatch, after: int, before: int | None, complete: bool
) -> None:
    """Between two counts the backfill moves records between the shards a page reads, so a
    record moved between two of its Queries is in neither: the API says so on that page."""
    client, _ = migrating
    handler = load_handler("ListRecordsFunction")
    monkeypatch.setattr(
        handler, "records", ComplexTableClass(client=client, status_shards=after, shards_before=before)
    )
    event = load_event("list_records_by_status")

    page = json.loads(handler.lambda_handler(event, FakeLambdaContext())["body"])

    assert ("incomplete" not in page) is complete
    # the contract (openapi.yaml) declares the page, this one included
    response_validator("GET", "/records", 200, "application/json").validate(page)  # type: ignore[union-attr]


def test_after_the_pass_the_check_finds_what_functions_on_the_old_configuration_wrote(migrating: Any) -> None:
    """A function not yet published writes as before (no shard): the pass may be over, the
    record is not right, and make reshard's final check says so instead of ending well."""
    client, _ = migrating
    ComplexTableClass(client=client, status_shards=8, shards_before=0).put_record("new", "green")
    Backfill(client, "ComplexTable", 8, checkpoint=None).run()
    assert records_not_right(client, "ComplexTable", 8) == 0

    ComplexTableClass(client=client, status_shards=0).put_record("late", "green")  # the old configuration

    assert records_not_right(client, "ComplexTable", 8) == 1
