"""The backfill of a re-shard of the status index (``StatusIndexShards`` from N to M, 0
included): every record's shard set to the new count's key, or removed for 0.

It Scans the table (in parallel segments if asked) and makes one conditional UpdateItem per
record that is not yet right, which holds only while the record still has the status the
Scan read. A writer that changed it since stamped the new count's shard itself (the
functions run with ``StatusIndexShardsBefore`` set do); a record deleted since is not
brought back. The update also stamps what an item the seed's own ``put`` wrote lacks: a
last-updated time (the sharded index sorts by it: an item without one is not in that index),
and with it the next version (the record as the API shows it changed: its ETag must too),
and ``Version`` 0 otherwise, as the API already reads it (its ETag does not change). It
pushes no write token and moves no other version: a shard is no change of the record.

Writes go at most at ``rate`` a second (a token bucket); DynamoDB's throttling answers, after
botocore's own retries, halve that rate for a while. After each page the Scan's position in
each segment and the counts go to a checkpoint file, so a run stopped anywhere resumes where
its last page ended; a finished run run again makes a new pass, stamping only what is not
right (nothing, if nothing changed). Two runs at once do no harm:
each update is conditional and sets what the other would.

``scripts/reshard.py`` (``make reshard``) runs it for a deployed stack or the local one.
"""

import os
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dynamo_tables.calls import ConditionFailed, call
from dynamo_tables.errors import ConfigurationError, Throttled, Unavailable
from dynamo_tables.expressions import names_used_in
from dynamo_tables.rate import TokenBucket, new_event, new_lock
from dynamo_tables.records import RECORD_VERSION, utc_timestamp
from dynamo_tables.reshard_state import Counts, Progress
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_SHARD,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
)
from dynamo_tables.shapes import AttributeMap, Params
from dynamo_tables.status_index import StatusShards

__all__ = ["Backfill", "Counts", "Progress", "TokenBucket", "item_update"]

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PROJECTION = "#id, #status, #shard, #updated, #version"
# A record a writer keeps changing under the backfill is tried this many times, then left
# to that writer (which stamps the new count's shard itself) and counted as moved.
_ATTEMPTS = 5
_UNAVAILABLE_ATTEMPTS = 5


def item_update(item: Mapping[str, Any], shards: int, now: str) -> Params | None:
    """The UpdateItem (without its table) that makes ``item`` right for ``shards`` (0: no
    shard), or None when it already is: its shard, a last-updated time and a version."""
    record_id = item[COMPLEX_SCHEMA_KEY_ONE]["S"]
    status = item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S")
    shard = StatusShards(shards).key(record_id, status) if shards and status is not None else None
    if (
        item.get(COMPLEX_SCHEMA_KEY_SHARD, {}).get("S") == shard
        and COMPLEX_SCHEMA_KEY_THREE in item
        and RECORD_VERSION in item
    ):
        return None
    values: AttributeMap = {":zero": {"N": "0"}}
    if status is None:
        condition = "attribute_exists(#id) AND attribute_not_exists(#status)"
    else:
        condition = "attribute_exists(#id) AND #status = :status"
        values = {":status": {"S": status}, **values}
    if COMPLEX_SCHEMA_KEY_THREE in item:
        update = "SET #version = if_not_exists(#version, :zero)"
    else:  # a time shows in the record: its next version, so its ETag names the new body
        condition += " AND attribute_not_exists(#updated)"
        update = "SET #updated = :now, #version = if_not_exists(#version, :zero) + :one"
        values.update({":now": {"S": now}, ":one": {"N": "1"}})
    if shard is not None:
        update += ", #shard = :shard"
        values[":shard"] = {"S": shard}
    elif COMPLEX_SCHEMA_KEY_SHARD in item:
        update += " REMOVE #shard"
    return {
        "Key": {COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}},
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names_used_in(update, condition),
        "ExpressionAttributeValues": values,
    }


class Backfill:
    """One pass over the table that makes every record's shard right for ``shards``.

    ``checkpoint``: the file to resume from and write after each page (None: none);
    a checkpoint of a finished pass starts a new one (a re-shard back to a count it had
    before must not take the last pass for its own; a pass with nothing to do stamps 0); ``on_page``:
    called with the progress after each page is saved (a report, or a test's crash).
    """

    def __init__(
        self,
        client: "DynamoDBClient",
        table_name: str,
        shards: int,
        checkpoint: Path | None,
        rate: float = 100.0,
        segments: int = 1,
        page_size: int = 100,
        on_page: Callable[[Progress], None] | None = None,
        bucket: TokenBucket | None = None,
        now: Callable[[], str] = utc_timestamp,
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.shards = shards
        self.checkpoint = checkpoint
        self.segments = segments
        self.page_size = page_size
        self.on_page = on_page
        self.bucket = bucket or TokenBucket(rate)
        self.now = now
        self.progress = self._resumed()
        self._lock = new_lock()
        self._stop = new_event()

    def run(self) -> Counts:
        """Run (or resume) the pass to its end; the counts of the whole pass.

        Raises:
            Unavailable: DynamoDB kept failing; the checkpoint holds the last page finished.
            And whatever ``on_page`` raises, after stopping every segment.
        """
        if not self.progress.finished:
            todo = [
                segment
                for segment in range(self.segments)
                if not self.progress.positions.get(str(segment), {}).get("done")
            ]
            if self.segments == 1 or len(todo) <= 1:
                for segment in todo:
                    self._segment(segment)
            else:
                self._in_parallel(todo)
            with self._lock:
                self.progress.finished = True
                self._save()
        return self.progress.counts

    def _in_parallel(self, todo: list[int]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(todo), thread_name_prefix="reshard") as pool:
            futures = [pool.submit(self._segment, segment) for segment in todo]
            try:
                for future in futures:
                    future.result()
            finally:
                self._stop.set()

    def _segment(self, segment: int) -> None:
        position = self.progress.positions.setdefault(str(segment), {"after": None, "done": False})
        params: Params = {
            "TableName": self.table_name,
            "Limit": self.page_size,
            "ProjectionExpression": PROJECTION,
            "ExpressionAttributeNames": names_used_in(PROJECTION),
        }
        if self.segments > 1:
            params.update(Segment=segment, TotalSegments=self.segments)
        try:
            while not position["done"] and not self._stop.is_set():
                if position["after"]:
                    params["ExclusiveStartKey"] = position["after"]
                page = self._patiently("scan", params)
                counts = Counts(scanned=len(page["Items"]))
                for item in page["Items"]:
                    self._one(item, counts)
                with self._lock:
                    position["after"] = page.get("LastEvaluatedKey")
                    position["done"] = position["after"] is None
                    self.progress.counts.add(counts)
                    self._save()
                    if self.on_page:
                        self.on_page(self.progress)
        except BaseException:
            self._stop.set()
            raise

    def _one(self, item: Mapping[str, Any], counts: Counts) -> None:
        """Make one item right, or find that it is, or that it went."""
        for _ in range(_ATTEMPTS):
            update = item_update(item, self.shards, self.now())
            if update is None:
                counts.right += 1
                return
            self.bucket.take()
            try:
                self._patiently(
                    "update_item",
                    {
                        "TableName": self.table_name,
                        **update,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                    counts,
                )
            except ConditionFailed as failed:
                if failed.item is None:
                    counts.gone += 1
                    return
                item = failed.item  # changed meanwhile: judge it as it is now
                continue
            counts.updated += 1
            return
        counts.moved += 1

    def _patiently(self, operation: str, params: Params, counts: Counts | None = None) -> dict[str, Any]:
        """One call, again after throttling (slower) or a failure (after a pause)."""
        failures = 0
        while True:
            try:
                answer = call(self.client, operation, params)
            except Throttled:
                if counts is not None:
                    counts.throttled += 1
                self.bucket.slow_down()
                time.sleep(random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not secrets
                continue
            except Unavailable:
                failures += 1
                if failures == _UNAVAILABLE_ATTEMPTS:
                    raise
                time.sleep(2**failures)
                continue
            self.bucket.recover()
            return dict(answer)

    def _resumed(self) -> Progress:
        fresh = Progress(self.table_name, self.shards, self.segments)
        if self.checkpoint is None or not self.checkpoint.exists():
            return fresh
        progress = Progress.from_json(self.checkpoint.read_text())
        if (progress.table, progress.shards, progress.segments) != (
            self.table_name,
            self.shards,
            self.segments,
        ):
            raise ConfigurationError(
                f"{self.checkpoint} is a backfill of {progress.table} to {progress.shards} shards in "
                f"{progress.segments} segments: name another checkpoint, or delete it"
            )
        return fresh if progress.finished else progress

    def _save(self) -> None:
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        # Each process its own: two runs on one checkpoint must not replace each other's file.
        partial = self.checkpoint.with_name(f"{self.checkpoint.name}.{os.getpid()}.partial")
        partial.write_text(self.progress.to_json())
        os.replace(partial, self.checkpoint)  # whole or not at all, even killed mid-write
