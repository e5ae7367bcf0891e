"""The write-sharded status index (template parameter ``StatusIndexShards``).

With N shards a record's status is indexed under ``"<status>#<shard>"``, the shard a stable
hash of its id, sorted by its last-updated time: N partitions a status instead of the seed's
one. A listing by status queries every shard and merges their answers into one page.
"""

import contextvars
import hashlib
import heapq
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dynamo_tables.calls import call_from, pages
from dynamo_tables.cursor import Positions, decode_positions, encode_positions
from dynamo_tables.limits import MAX_PAGE_SIZE, utf8_size
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_INDEX_SHARD,
    COMPLEX_SCHEMA_INDEX_TWO,
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_SHARD,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
)
from dynamo_tables.shapes import AttributeMap, AttributeValue, Params

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient

# DynamoDB's cap on one Query's page: a merged page stops there too, as a page of the
# seed's index (one Query) does.
PAGE_BYTES = 1024 * 1024

# A shard's answer: the records it gave, and where its Query stopped (None: exhausted).
ShardAnswer = tuple[list[AttributeMap], tuple[str, str] | None]


def status_shard(record_id: str, shards: int) -> int:
    """The record's shard: a hash of its id that every process and release agrees on
    (Python's ``hash`` of a string changes with each process)."""
    return int.from_bytes(hashlib.sha256(record_id.encode()).digest()[:8], "big") % shards


def read_shards(shards: int, before: int | None) -> int:
    """The shards a listing by status reads (0: the seed's index) with ``shards`` now and
    ``before`` the count a re-shard moves away from (None: no re-shard under way).

    Whatever the backfill has done yet, the index read holds every record once: to or from
    0, the seed's index (every record has a status; DynamoDB fills that index itself); from
    N to M, the sharded index read as max(N, M) shards, since a record's key is
    ``<status>#k`` with k below N (not moved yet) or below M (moved, or written since).
    """
    if before is None:
        return shards
    if before == 0 or shards == 0:
        return 0
    return max(shards, before)


def reading(
    shards: int, before: int | None
) -> tuple["StatusShards | None", "StatusShards | None", "StatusShards | None"]:
    """The shards a write stamps under, the shards a listing reads (None: the seed's index)
    and, from 0 to N, the shards a listing goes on in once the seed's index is gone: step 2
    of the re-shard drops it while the functions may run this configuration until `make
    publish`, and by then the sharded index is complete."""
    written = StatusShards(shards) if shards else None
    read = written if before is None else None
    if before and read_shards(shards, before):  # between two counts: moves under a walk
        read = StatusShards(read_shards(shards, before), revisit=True)
    return written, read, written if before == 0 else None


def seed_query(status: str) -> dict[str, Any]:
    """A Query (without its table) of the seed's status index."""
    return {
        "IndexName": COMPLEX_SCHEMA_INDEX_TWO,
        "KeyConditionExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": COMPLEX_SCHEMA_KEY_TWO},
        "ExpressionAttributeValues": {":status": {"S": status}},
    }


# What a Query of an index answers once a deploy dropped it, or the role lost its grant.
_INDEX_GONE = frozenset({"ValidationException", "ResourceNotFoundException", "AccessDeniedException"})


def index_gone(err: "ClientError") -> bool:
    return err.response.get("Error", {}).get("Code") in _INDEX_GONE


class StatusShards:
    """The N shards of the status index: a record's key in it, and pages merged from it."""

    def __init__(self, count: int, revisit: bool = False) -> None:
        """``revisit``: a walk reads a shard it exhausted again on each page, and ends only
        on a page that finds every shard exhausted; for a re-shard between two counts, whose
        backfill moves records (keeping their time) into shards a walk may have exhausted."""
        self.count = count
        self.revisit = revisit
        self._pool: ThreadPoolExecutor | None = None

    def key(self, record_id: str, status: str) -> str:
        """The record's key in the index: ``<status>#<shard>``."""
        return f"{status}#{status_shard(record_id, self.count)}"

    def query(self, status: str, shard: int) -> Params:
        """A Query (without its table) of one shard of ``status``, oldest update first."""
        return {
            "IndexName": COMPLEX_SCHEMA_INDEX_SHARD,
            "KeyConditionExpression": "#shard = :shard",
            "ExpressionAttributeNames": {"#shard": COMPLEX_SCHEMA_KEY_SHARD},
            "ExpressionAttributeValues": {":shard": {"S": f"{status}#{shard}"}},
        }

    def page(
        self, client: "DynamoDBClient", table_name: str, status: str, limit: int, cursor: str | None
    ) -> tuple[list[AttributeMap], str | None]:
        """One page merged from the status's shards, ordered by last-updated time.

        Each shard not yet exhausted gets one Query of ``limit`` records, all at once; the
        page takes the first ``limit`` of them in order, up to about 1 MB of them as one
        Query's page (``PAGE_BYTES``, at least one record), and its one cursor holds where
        each shard stopped. Records read but not taken are read again by the next page. Equal
        times go by shard, then in the index's own order: the index orders a shard's equal
        times by no rule it documents, so not by id, but always the same way, so the
        order does not depend on the page sizes.

        Raises:
            InvalidCursor: the cursor is not one this listing issued under this shard count.
        """
        scope = f"records:{status}:shards:{self.count}"  # another count's cursor is refused
        positions = decode_positions(scope, cursor, self.count)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # only sharded listings use threads

            self._pool = ThreadPoolExecutor(self.count, thread_name_prefix="status-shard")
        # Each shard's Query in a copy of this thread's context: it keeps the request's
        # deadline (deadline.py), a context variable.
        queries = {
            shard: self._pool.submit(
                contextvars.copy_context().run,
                self._shard_page,
                client,
                table_name,
                status,
                shard,
                positions[shard],
                limit,
            )
            for shard in positions
        }
        answers = {shard: query.result() for shard, query in queries.items()}
        page, taken = merge(answers, limit)
        after: Positions = {}
        for shard, (items, last) in answers.items():
            used = taken[shard]
            if used < len(items):
                after[shard] = position(items[used - 1]) if used else positions[shard]
            elif last is not None:  # all read were taken: on from where the Query stopped
                after[shard] = last
        if self.revisit and after:  # every shard again, the exhausted from their last record
            for shard, (items, _) in answers.items():
                after.setdefault(shard, position(items[-1]) if items else positions[shard])
        return page, encode_positions(scope, after)

    def all(self, client: "DynamoDBClient", table_name: str, status: str) -> dict[str, Any]:
        """Every record of ``status`` (the seed's ``filter_by_key_two``), in a listing's order."""
        if self.revisit:  # a walk of merged pages: one shard after another would miss moves
            items: list[AttributeMap] = []
            cursor: str | None = None
            while True:
                page, cursor = self.page(client, table_name, status, MAX_PAGE_SIZE, cursor)
                items += page
                if cursor is None:
                    return {"Items": items, "Count": len(items)}
        params = [{"TableName": table_name, **self.query(status, shard)} for shard in range(self.count)]
        items = [
            item for query in params for answer in pages(client, "query", query) for item in answer["Items"]
        ]
        items.sort(key=updated)  # stable: ties stay in shard order, as in a walk
        return {"Items": items, "Count": len(items)}

    def _shard_page(
        self,
        client: "DynamoDBClient",
        table_name: str,
        status: str,
        shard: int,
        after: tuple[str, str] | None,
        limit: int,
    ) -> ShardAnswer:
        """Up to ``limit`` records of one shard from ``after``, and where the Query stopped."""
        start: AttributeMap | None = None
        if after is not None:
            start = {
                COMPLEX_SCHEMA_KEY_SHARD: {"S": f"{status}#{shard}"},
                COMPLEX_SCHEMA_KEY_THREE: {"S": after[0]},
                COMPLEX_SCHEMA_KEY_ONE: {"S": after[1]},
            }
        params = {"TableName": table_name, "Limit": limit, **self.query(status, shard)}
        response = call_from(client, "query", start, params)
        last = response.get("LastEvaluatedKey")
        return response["Items"], position(last) if last else None


def updated(item: Mapping[str, Any]) -> str:
    """A record's last-updated time, the index's sort key."""
    return str(item[COMPLEX_SCHEMA_KEY_THREE]["S"])


def position(item: Mapping[str, Any]) -> tuple[str, str]:
    """Where a Query of a shard goes on from after this record (or LastEvaluatedKey)."""
    return item[COMPLEX_SCHEMA_KEY_THREE]["S"], item[COMPLEX_SCHEMA_KEY_ONE]["S"]


def merge(answers: Mapping[int, ShardAnswer], limit: int) -> tuple[list[AttributeMap], dict[int, int]]:
    """A page of at most ``limit`` records merged from the shards' answers by (time, shard),
    each shard's taken in its own order, and how many of each it took. It stops where a
    shard's unread records could come next, and before the record that would take the
    page past ``PAGE_BYTES`` (each shard's Query may return that much: merged, a page
    could hold N times it); its first record it always takes."""
    page: list[AttributeMap] = []
    taken = dict.fromkeys(answers, 0)
    if any(not items and last for items, last in answers.values()):
        return page, taken  # a shard read nothing yet has more: nothing is known to come first
    heads = [(updated(items[0]), shard) for shard, (items, _) in answers.items() if items]
    heapq.heapify(heads)
    size = 0
    while heads and len(page) < limit:
        _, shard = heads[0]
        items, last = answers[shard]
        size += item_size(items[taken[shard]])
        if page and size > PAGE_BYTES:
            break  # the next page starts with it: each shard's position is after what it gave
        heapq.heappop(heads)
        page.append(items[taken[shard]])
        taken[shard] += 1
        if taken[shard] < len(items):
            heapq.heappush(heads, (updated(items[taken[shard]]), shard))
        elif last is not None:
            break  # its next records are unread, and may come before every other shard's
    return page, taken


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """About the bytes DynamoDB counts for an item (its documented rule): each attribute's
    name in UTF-8 plus its value; a string its UTF-8, a number about one byte per two
    digits plus one, binary its bytes, a boolean or null one, a list or map three plus
    one per member (and a map's names). An estimate within a few bytes an attribute."""
    return sum(utf8_size(name) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, member),) = value.items()
    if kind == "S":
        return utf8_size(member)
    if kind == "N":
        return len(member) // 2 + 1
    if kind == "B":
        return len(member)
    if kind == "SS":
        return sum(utf8_size(text) for text in member)
    if kind == "NS":
        return sum(len(number) // 2 + 1 for number in member)
    if kind == "BS":
        return sum(len(binary) for binary in member)
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in member)
    if kind == "M":
        return 3 + sum(utf8_size(name) + 1 + _value_size(element) for name, element in member.items())
    return 1  # BOOL, NULL
