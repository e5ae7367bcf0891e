"""Re-sharding the status index on DynamoDB Local: 0 -> 8 -> 3 -> 0, with writers running
throughout, each step's indexes as template.yaml gives them for its parameters.

Each step goes as the README says a deployed one goes: deploy 1 (the index change of
``StatusIndexShards=new StatusIndexShardsBefore=old``) while the functions still run the old
configuration; ``make publish`` (the writers switch to the migrating configuration); the
backfill; deploy 2 (``StatusIndexShardsBefore`` empty) while the functions still run the
migrating configuration; ``make publish`` again. A listing by status at every page of the
backfill, and after each phase, lists every record not written meanwhile exactly once.
"""

import itertools
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.stack import apply_index_change
from devstack.template import table_definitions
from dynamo_tables import ComplexTableClass, NotFound
from dynamo_tables.reshard import Backfill, Progress, TokenBucket, item_update
from dynamo_tables.status_index import status_shard
from scripts.reshard import main as make_reshard

STATUSES = ("green", "red")


def _client(aws_conf: dict[str, str]) -> Any:
    client: Any = boto3.client("dynamodb", **aws_conf)  # type: ignore[call-overload]
    return client


def _definition(after: int, before: int | None) -> dict[str, Any]:
    parameters = {"StatusIndexShards": str(after)}
    if before is not None:
        parameters["StatusIndexShardsBefore"] = str(before)
    return table_definitions(parameters=parameters)["ComplexTable"]


@pytest.fixture
def table(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A records table as template.yaml makes it with the default StatusIndexShards=0."""
    monkeypatch.delenv("STATUS_INDEX_SHARDS", raising=False)
    monkeypatch.delenv("STATUS_INDEX_SHARDS_BEFORE", raising=False)
    name = f"ComplexTable-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, **_definition(0, None))
    yield name
    client.delete_table(TableName=name)


def _layer(aws_conf: dict[str, str], table: str, after: int, before: int | None) -> ComplexTableClass:
    """The layer as the functions run it with these parameters."""
    return ComplexTableClass(
        client=_client(aws_conf), table_name=table, status_shards=after, shards_before=before
    )


def _truth(client: Any, table: str) -> dict[str, str]:
    items = [
        item for page in client.get_paginator("scan").paginate(TableName=table) for item in page["Items"]
    ]
    return {item["AttributeOneKey"]["S"]: item["AttributeTwoKey"]["S"] for item in items}


def _listed(records: ComplexTableClass) -> list[dict[str, Counter[str]]]:
    """Each status's ids as a walk of all its pages lists them, and as filter_by_key_two does."""
    walks: dict[str, Counter[str]] = {}
    filtered: dict[str, Counter[str]] = {}
    for status in STATUSES:
        walked: Counter[str] = Counter()
        cursor = None
        while True:
            page = records.list_by_status(status, limit=20, cursor=cursor)
            walked.update(record.id for record in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        walks[status] = walked
        filtered[status] = Counter(
            item["AttributeOneKey"]["S"] for item in records.filter_by_key_two(status)["Items"]
        )
    return [walks, filtered]


def _each_listed_once(
    records: ComplexTableClass,
    expected: dict[str, str],
    touched: set[str] | frozenset[str] = frozenset(),
    moving: bool = False,
) -> None:
    """Every record of ``expected`` (id: status, read before the listing) listed exactly
    once, under its status, by both listings; but those in ``touched`` by the end of the
    listing (a writer's set: a record written meanwhile may move between statuses)."""
    listings = _listed(records)
    untouched = {record_id: status for record_id, status in expected.items() if record_id not in set(touched)}
    for listing, listed in zip(("list_by_status", "filter_by_key_two"), listings, strict=True):
        for record_id, status in untouched.items():
            # While the backfill moves records, a walk may meet one twice: before and after its
            # move (docs/PERFORMANCE.md); it misses none.
            assert listed[status][record_id] in ((1, 2) if moving else (1,)), (listing, record_id, status)
            assert all(listed[other][record_id] == 0 for other in STATUSES if other != status), record_id


class Writers:
    """Threads creating, re-statusing and deleting records through the layer, as the
    functions do, each with the configuration ``records`` holds at that moment."""

    def __init__(
        self, records: ComplexTableClass, touchable: list[str], prefix: str, threads: int = 3
    ) -> None:
        self.records = records
        self.touchable = list(touchable)  # older records they may change or delete
        self.prefix = prefix
        self.touched: set[str] = set()
        self.writes = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._numbers = itertools.count()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]
        self._rounds = [0] * threads

    def switch(self, records: ComplexTableClass) -> None:
        """The functions' configuration after `make publish`, once every write begun before
        it has ended (as the README waits out the functions' timeout)."""
        self.records = records
        begun = list(self._rounds)
        while any(now < then + 2 for now, then in zip(self._rounds, begun, strict=True)):
            self._stop.wait(0.01)

    def __enter__(self) -> "Writers":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _run(self, seed: int) -> None:
        chance = random.Random(seed)  # noqa: S311 - a test's choices, not secrets
        while not self._stop.is_set():
            self._rounds[seed] += 1
            with self._lock:
                record_id = (
                    f"{self.prefix}-{next(self._numbers)}"
                    if chance.random() < 0.4 or not self.touchable
                    else chance.choice(self.touchable)
                )
                self.touched.add(record_id)
            records = self.records
            try:
                if chance.random() < 0.1 and record_id.startswith(self.prefix):
                    records.delete_record(record_id)
                elif record_id.startswith(self.prefix) and record_id not in self.touchable:
                    records.put_record(record_id, chance.choice(STATUSES), {"n": 1})
                    with self._lock:
                        self.touchable.append(record_id)
                else:
                    records.set_status(record_id, chance.choice(STATUSES))
            except NotFound:
                pass
            with self._lock:
                self.writes += 1
            # About 10 writes a second each: the table grows, but not without end, and a walk
            # (records updated during it move to its end) outpaces them even on a loaded host.
            self._stop.wait(0.1)


def _seed_the_table(aws_conf: dict[str, str], table: str) -> None:
    """Records as the seed's own classes write them (no version, no time, no token) and as
    the API writes them."""
    seed = ComplexTableClass(aws_conf, table_name=table)  # the seed's usage: a conf dict
    for number in range(30):
        seed.put(f"seed-{number}", {"AttributeTwoKey": {"S": STATUSES[number % 2]}})
    for number in range(0, 30, 3):
        seed.update(f"seed-{number}", "red")
    api = _layer(aws_conf, table, 0, None)
    for number in range(30):
        api.put_record(f"api-{number}", STATUSES[number % 2], {"number": number})
    for number in range(0, 30, 4):
        api.set_status(f"api-{number}", "green")


def test_0_to_8_to_3_to_0_with_writers_lists_every_record_once_at_every_step(
    aws_conf: dict[str, str], client: Any, table: str, tmp_path: Path
) -> None:
    _seed_the_table(aws_conf, table)
    counts = 0
    live = _layer(aws_conf, table, 0, None)  # what the functions run now
    for step, (before, after) in enumerate([(0, 8), (8, 3), (3, 0)]):
        ids = sorted(_truth(client, table))
        touchable = ids[::3]  # the writers change or delete these; the rest they leave
        writers = Writers(live, touchable, prefix=f"w{step}")
        with writers:
            # Deploy 1: the index change, while the functions run the configuration before.
            apply_index_change(client, table, _definition(after, before))
            _each_listed_once(live, _truth(client, table), writers.touched)
            # make publish: the functions now run the migrating configuration.
            migrating = _layer(aws_conf, table, after, before)
            writers.switch(migrating)
            stable = _truth(client, table)
            if before and after:
                # KNOWN GAP (README, docs/PERFORMANCE.md): between two counts a walk is no
                # snapshot of the shards, so a record the backfill moves between the Queries
                # of one page may be missed by that walk. Only records it does not move are
                # held to "never missed" during it; after it, every record is (below).
                stable = {
                    i: s for i, s in stable.items() if status_shard(i, before) == status_shard(i, after)
                }
            during: list[int] = []

            def each_page(
                progress: Progress,
                after: int = after,
                before: int | None = before,
                stable: dict[str, str] = stable,
                during: list[int] = during,
                writers: Writers = writers,
            ) -> None:
                # A listing now misses no record that existed throughout and no writer
                # touched, nor lists one twice.
                during.append(progress.counts.scanned)
                if len(during) % 3 != 1:
                    return
                _each_listed_once(
                    _layer(aws_conf, table, after, before), stable, writers.touched, moving=True
                )

            done = Backfill(
                _client(aws_conf),
                table,
                after,
                checkpoint=tmp_path / f"step{step}.json",
                rate=5_000,
                segments=2 if step == 1 else 1,
                page_size=10,
                on_page=each_page,
            ).run()
            assert len(during) >= 6  # listed at several moments of it (every third page)
            counts += done.updated
            # Deploy 2: the index of the count before goes, while the functions still run
            # the migrating configuration (from 0, the seed's index they read goes).
            apply_index_change(client, table, _definition(after, None))
            _each_listed_once(migrating, _truth(client, table), writers.touched)
            # make publish again.
            live = _layer(aws_conf, table, after, None)
            writers.switch(live)
        assert writers.writes > 20, "the writers ran throughout"

        truth = _truth(client, table)
        _each_listed_once(live, truth)
        _each_listed_once(migrating, truth)  # a function not yet moved lists them all too
        items = [
            item for page in client.get_paginator("scan").paginate(TableName=table) for item in page["Items"]
        ]
        assert [item["AttributeOneKey"]["S"] for item in items if item_update(item, after, "now")] == []
        assert {
            index["IndexName"]
            for index in client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
        } == {index["IndexName"] for index in _definition(after, None)["GlobalSecondaryIndexes"]}
    assert counts > 60


def test_a_backfill_killed_mid_page_resumes_from_its_checkpoint_and_finishes(
    aws_conf: dict[str, str], client: Any, table: str, tmp_path: Path
) -> None:
    _seed_the_table(aws_conf, table)
    apply_index_change(client, table, _definition(8, 0))
    checkpoint = tmp_path / "reshard.json"
    crashing = _client(aws_conf)
    updates = itertools.count(1)

    class Killed(BaseException):
        pass

    def kill_at_the_17th_update(**_: Any) -> None:
        if next(updates) == 17:  # the 4th page of 5, its second update
            raise Killed

    crashing.meta.events.register("before-send.dynamodb.UpdateItem", kill_at_the_17th_update)
    with pytest.raises(Killed):
        Backfill(crashing, table, 8, checkpoint=checkpoint, rate=5_000, page_size=5).run()
    saved = Progress.from_json(checkpoint.read_text())
    assert (saved.counts.scanned, saved.finished) == (15, False)  # three whole pages

    resumed = Backfill(_client(aws_conf), table, 8, checkpoint=checkpoint, rate=5_000, page_size=5).run()

    assert resumed.scanned == 60  # the pages before the kill were not read again
    # The killed page is read again: the one update of it sent before the kill is found done.
    assert (resumed.updated, resumed.right) == (59, 1)
    items = client.scan(TableName=table)["Items"]
    assert [item for item in items if item_update(item, 8, "now")] == []
    _each_listed_once(_layer(aws_conf, table, 8, None), _truth(client, table))
    again = Backfill(_client(aws_conf), table, 8, checkpoint=checkpoint, rate=5_000, page_size=5).run()
    # finished: run again, a new pass (a re-shard back to 8 must not take the last for its own)
    assert (again.scanned, again.updated, again.right) == (60, 0, 60)


def test_the_backfill_keeps_to_the_rate_it_is_given(
    aws_conf: dict[str, str], client: Any, table: str, tmp_path: Path
) -> None:
    _seed_the_table(aws_conf, table)
    apply_index_change(client, table, _definition(4, 0))

    class Clock:  # moved by the bucket's sleeps only: nothing here depends on real time
        now = 0.0
        slept = 0.0

        def sleep(self, seconds: float) -> None:
            self.now += seconds
            self.slept += seconds

    clock = Clock()
    backfill_client = _client(aws_conf)
    sent: list[float] = []
    backfill_client.meta.events.register(
        "before-send.dynamodb.UpdateItem", lambda **_: sent.append(clock.now)
    )
    bucket = TokenBucket(20, clock=lambda: clock.now, sleep=clock.sleep)

    Backfill(backfill_client, table, 4, checkpoint=None, bucket=bucket, page_size=25).run()

    assert len(sent) == 60
    assert clock.slept >= (60 - 20) / 20  # all but the first second's burst waited its turn
    assert max(sum(start <= moment < start + 1 for moment in sent) for start in sent) <= 20 + 20


def _inject_before_first_update(backfill_client: Any, record_id: str, write: Any) -> None:
    """Run ``write`` between the backfill's Scan and its UpdateItem of ``record_id``."""
    done: list[bool] = []

    def inject(params: dict[str, Any], **_: Any) -> None:
        if not done and params["Key"]["AttributeOneKey"]["S"] == record_id:
            done.append(True)
            write()

    backfill_client.meta.events.register("provide-client-params.dynamodb.UpdateItem", inject)


def test_a_status_changed_between_the_scan_and_the_update_is_not_overwritten(
    aws_conf: dict[str, str], client: Any, table: str
) -> None:
    _seed_the_table(aws_conf, table)
    apply_index_change(client, table, _definition(8, 0))
    writer = _layer(aws_conf, table, 8, 0)  # a function on the migrating configuration
    backfill_client = _client(aws_conf)
    _inject_before_first_update(backfill_client, "seed-1", lambda: writer.set_status("seed-1", "red"))
    _inject_before_first_update(backfill_client, "api-1", lambda: writer.delete_record("api-1"))

    counts = Backfill(backfill_client, table, 8, checkpoint=None, rate=5_000).run()

    stored = client.get_item(TableName=table, Key={"AttributeOneKey": {"S": "seed-1"}})["Item"]
    assert stored["AttributeTwoKey"] == {"S": "red"}
    assert stored["AttributeTwoShard"] == {"S": f"red#{status_shard('seed-1', 8)}"}
    assert stored["Version"] == {"N": "1"}  # the writer's one write, no more
    assert "Item" not in client.get_item(TableName=table, Key={"AttributeOneKey": {"S": "api-1"}})
    assert counts.gone == 1
    assert counts.updated + counts.right + counts.gone == 60


def test_make_reshard_runs_the_backfill_on_the_local_stack(tmp_path: Path) -> None:
    from devstack.dynamodb_local import DynamoDBLocal, free_port
    from devstack.stack import dynamodb_client, ensure_tables

    with DynamoDBLocal(port=free_port()) as server:
        client = dynamodb_client(server.endpoint_url)
        ensure_tables(client)  # make start, kept data
        client.put_item(
            TableName="ComplexTable", Item={"AttributeOneKey": {"S": "kept"}, "AttributeTwoKey": {"S": "red"}}
        )
        parameters = "StatusIndexShards=8 StatusIndexShardsBefore=0"
        ensure_tables(
            client, dict(pair.split("=") for pair in parameters.split())
        )  # make start PARAMETERS=...
        arguments = ["--ddb-port", str(server.port), "--checkpoint", str(tmp_path / "c.json")]

        assert (
            make_reshard([*arguments, "--parameter-overrides", "StatusIndexShards=8"]) == 2
        )  # not under way
        assert make_reshard([*arguments, "--parameter-overrides", parameters, "--rate", "50"]) == 0

        item = client.get_item(TableName="ComplexTable", Key={"AttributeOneKey": {"S": "kept"}})["Item"]
        assert item["AttributeTwoShard"] == {"S": f"red#{status_shard('kept', 8)}"}
