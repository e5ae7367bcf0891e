"""``ComplexTableClass``: records with a status index (seed: ``ComplexSchemaTableName``).

Besides the seed's attributes a record holds ``Version`` (a number, the ETag), an
optional ``Data`` map, and the tokens of its last writes (``W0`` ...). Every write moves
the version with an atomic update expression (never read-modify-write), so concurrent
writers cannot lose each other's writes, and recognises its own retry by its token.
"""

import hashlib
import heapq
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from dynamo_tables.base import ConditionFailed, DynamoGeneralClass
from dynamo_tables.cursor import Positions, decode_positions, encode_positions
from dynamo_tables.errors import AlreadyExists, InvalidInput, NotFound, VersionConflict
from dynamo_tables.limits import (
    DEFAULT_PAGE_SIZE,
    MAX_IN_OPERANDS,
    check_data,
    check_key,
    check_page_size,
    check_status,
    compact_number,
    utf8_size,
)
from dynamo_tables.models import UNCONDITIONAL, Page, Precondition, Record
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_INDEX_SHARD,
    COMPLEX_SCHEMA_INDEX_TWO,
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_SHARD,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    COMPLEX_SCHEMA_TABLE_NAME,
)
from dynamo_tables.settings import record_statuses, status_index_shards, table_name_from
from dynamo_tables.write_tokens import NAMES as WRITE_TOKEN_NAMES
from dynamo_tables.write_tokens import WriteToken

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from mypy_boto3_dynamodb import DynamoDBClient

GREEN = "green"
RED = "red"

RECORD_VERSION = "Version"
RECORD_DATA = "Data"

_NAMES = {
    "#id": COMPLEX_SCHEMA_KEY_ONE,
    "#status": COMPLEX_SCHEMA_KEY_TWO,
    "#shard": COMPLEX_SCHEMA_KEY_SHARD,
    "#updated": COMPLEX_SCHEMA_KEY_THREE,
    "#version": RECORD_VERSION,
    "#data": RECORD_DATA,
    **WRITE_TOKEN_NAMES,
}
_TABLE_KEYS = frozenset({COMPLEX_SCHEMA_KEY_ONE})
_INDEX_KEYS = frozenset({COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_TWO})
_KEEP = object()  # sentinel: leave ``Data`` as it is


def utc_timestamp() -> str:
    """Now in ISO 8601 UTC with milliseconds, e.g. ``2026-11-24T22:15:48.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_shard(record_id: str, shards: int) -> int:
    """The record's shard of the status index: a hash of its id that every process and
    release agrees on (Python's ``hash`` of a string changes with each process)."""
    return int.from_bytes(hashlib.sha256(record_id.encode()).digest()[:8], "big") % shards


class ComplexTableClass(DynamoGeneralClass):
    """Records: ``AttributeOneKey`` (id), ``AttributeTwoKey`` (status, indexed),
    ``AttributeThreeKey`` (last updated), ``Version`` and optional ``Data``."""

    key_name = COMPLEX_SCHEMA_KEY_ONE

    def __init__(
        self,
        conf: Mapping[str, Any] | None = None,
        client: "DynamoDBClient | None" = None,
        table_name: str | None = None,
        status_shards: int | None = None,
    ) -> None:
        """``status_shards``: the status index's shards, 0 for the seed's index; none given,
        ``STATUS_INDEX_SHARDS`` (template parameter ``StatusIndexShards``)."""
        super().__init__(conf, client, table_name)
        self.statuses = record_statuses(default=(GREEN, RED))
        self.status_shards = status_index_shards() if status_shards is None else status_shards
        self._pool: ThreadPoolExecutor | None = None

    def _default_table_name(self) -> str:
        """The seed's table with the seed's conf dict; from the environment, the template's."""
        return COMPLEX_SCHEMA_TABLE_NAME if self.conf else table_name_from("COMPLEX_TABLE_NAME")

    # --- the seed's methods -------------------------------------------------------------

    def get_params(self, key: str) -> dict[str, Any]:
        return {"TableName": self.table_name, "Key": self._key(key), "ConsistentRead": True}

    def put_params(self, key: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The seed's PutItem of the item as given. With the sharded index it also stamps
        the record's shard, and the last-updated time when the item has none (as every
        other write does): that index sorts by it, so without it the record is not in it."""
        item = {**self._key(key), **data}
        status = item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S")
        if self.status_shards and status is not None:
            item[COMPLEX_SCHEMA_KEY_SHARD] = {"S": self._shard_key(key, status)}
            item.setdefault(COMPLEX_SCHEMA_KEY_THREE, {"S": utc_timestamp()})
        return {"TableName": self.table_name, "Item": item}

    def filter_by_key_one(self, key: str, status: str) -> dict[str, Any]:
        """The record with this id if its status matches, in the Query response's shape."""
        return self._query_all(
            KeyConditionExpression="#id = :id",
            FilterExpression="#status = :status",
            ExpressionAttributeNames={"#id": COMPLEX_SCHEMA_KEY_ONE, "#status": COMPLEX_SCHEMA_KEY_TWO},
            ExpressionAttributeValues={":id": {"S": check_key("key", key)}, ":status": {"S": status}},
        )

    def filter_by_key_two(self, status: str) -> dict[str, Any]:
        """Every record with this status (all pages of a Query on the status index; sharded,
        of one on each shard, in the order a sharded listing gives)."""
        if self.status_shards:
            items = [
                item
                for shard in range(self.status_shards)
                for item in self._query_all(**self._shard_query(f"{status}#{shard}"))["Items"]
            ]
            items.sort(key=_updated)  # stable: ties stay in shard order, as in list_by_status
            return {"Items": items, "Count": len(items)}
        return self._query_all(
            IndexName=COMPLEX_SCHEMA_INDEX_TWO,
            KeyConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": COMPLEX_SCHEMA_KEY_TWO},
            ExpressionAttributeValues={":status": {"S": status}},
        )

    def update(self, key: str, status: Any) -> dict[str, Any]:
        """The seed's ``update(key, status)``: set the status and stamp the time.

        It also moves the version, so ETags held by API clients stay honest.
        """
        record, _ = self._write(key, status, _KEEP, UNCONDITIONAL, must_exist=False)
        return {
            "Attributes": {
                COMPLEX_SCHEMA_KEY_TWO: {"S": record.status},
                COMPLEX_SCHEMA_KEY_THREE: {"S": record.updated_at},
                RECORD_VERSION: {"N": str(record.version)},
            }
        }

    # --- typed methods for the handlers ------------------------------------------------

    def get_record(self, record_id: str, status: str | None = None) -> Record:
        """The record; with ``status``, found only when its status matches (seed ``filter_by_key_one``)."""
        check_key("id", record_id)
        if status is not None:
            self._check_status(status)
        item = self.get(record_id).get("Item")
        if item is None or (status is not None and item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S") != status):
            raise NotFound(f"no record with id {record_id!r}" + (f" and status {status!r}" if status else ""))
        return _to_record(item)

    def put_record(
        self,
        record_id: str,
        status: str,
        data: Mapping[str, Any] | None = None,
        precondition: Precondition = UNCONDITIONAL,
    ) -> tuple[Record, bool]:
        """Create or replace the record's status and data; says whether it was created."""
        check_key("id", record_id)
        self._check_status(status)
        if data is not None:
            data = _decimals(check_data("data", data))  # what is stored is what is returned
        return self._write(record_id, status, data, precondition, must_exist=False)

    def set_status(self, record_id: str, status: str, precondition: Precondition = UNCONDITIONAL) -> Record:
        """Seed ``update`` for an existing record: new status, new time, next version."""
        check_key("id", record_id)
        self._check_status(status)
        record, _ = self._write(record_id, status, _KEEP, precondition, must_exist=True)
        return record

    def delete_record(self, record_id: str, precondition: Precondition = UNCONDITIONAL) -> None:
        condition, values = _condition(precondition, must_exist=True)
        try:
            self._delete_once(record_id, str(condition), _names_used_in(condition), values)
        except ConditionFailed as err:
            raise _precondition_error(record_id, precondition, err, must_exist=True) from err

    def list_records(self, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[Record]:
        """All records, one page at a time (a Scan)."""
        records, next_cursor = self._listing("scan", "records", _TABLE_KEYS, limit, cursor)
        return Page([_to_record(item) for item in records], next_cursor)

    def list_by_status(
        self, status: str, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
    ) -> Page[Record]:
        """Records with this status, one page at a time (seed ``filter_by_key_two``)."""
        self._check_status(status)
        if self.status_shards:
            return self._list_by_shards(status, limit, cursor)
        records, next_cursor = self._listing(
            "query",
            f"records:{status}",
            _INDEX_KEYS,
            limit,
            cursor,
            bound={COMPLEX_SCHEMA_KEY_TWO: status},  # a page of this status starts at a key of it
            IndexName=COMPLEX_SCHEMA_INDEX_TWO,
            KeyConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": COMPLEX_SCHEMA_KEY_TWO},
            ExpressionAttributeValues={":status": {"S": status}},
        )
        return Page([_to_record(item) for item in records], next_cursor)

    # --- the write-sharded status index (StatusIndexShards) -------------------------------

    def _shard_key(self, record_id: str, status: str) -> str:
        """The record's key in the sharded index: ``<status>#<shard>``."""
        return f"{status}#{status_shard(record_id, self.status_shards)}"

    def _shard_query(self, shard_key: str) -> dict[str, Any]:
        return {
            "IndexName": COMPLEX_SCHEMA_INDEX_SHARD,
            "KeyConditionExpression": "#shard = :shard",
            "ExpressionAttributeNames": {"#shard": COMPLEX_SCHEMA_KEY_SHARD},
            "ExpressionAttributeValues": {":shard": {"S": shard_key}},
        }

    def _list_by_shards(self, status: str, limit: int, cursor: str | None) -> Page[Record]:
        """One page merged from the status's shards, ordered by last-updated time.

        Each shard not yet exhausted gets one Query of ``limit`` records, all at once; the
        page takes the first ``limit`` of them in order, up to about 1 MB of them as one
        Query's page (``PAGE_BYTES``, at least one record), and its one cursor holds where
        each shard stopped. Records read but not taken are read again by the next page. Equal
        times go by shard, then in the index's own order: the index orders a shard's equal
        times by no rule it documents, so not by id, but always the same way, so the
        order does not depend on the page sizes.
        """
        limit = check_page_size(limit)
        scope = f"records:{status}:shards:{self.status_shards}"  # another count's cursor is refused
        positions = decode_positions(scope, cursor, self.status_shards)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # only sharded listings use threads

            self._pool = ThreadPoolExecutor(self.status_shards, thread_name_prefix="status-shard")
        shards = list(positions)
        answers = dict(
            zip(
                shards,
                self._pool.map(
                    lambda shard: self._shard_page(status, shard, positions[shard], limit), shards
                ),
                strict=True,
            )
        )
        page, taken = _merge(answers, limit)
        after: Positions = {}
        for shard, (items, last) in answers.items():
            used = taken[shard]
            if used < len(items):
                after[shard] = _position(items[used - 1]) if used else positions[shard]
            elif last is not None:  # all read were taken: on from where the Query stopped
                after[shard] = last
        return Page([_to_record(item) for item in page], encode_positions(scope, after))

    def _shard_page(
        self, status: str, shard: int, after: tuple[str, str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        """Up to ``limit`` records of one shard from ``after``, and where the Query stopped
        (None: the shard is exhausted)."""
        shard_key = f"{status}#{shard}"
        start = None
        if after is not None:
            start = {
                COMPLEX_SCHEMA_KEY_SHARD: {"S": shard_key},
                COMPLEX_SCHEMA_KEY_THREE: {"S": after[0]},
                COMPLEX_SCHEMA_KEY_ONE: {"S": after[1]},
            }
        params = {"TableName": self.table_name, "Limit": limit, **self._shard_query(shard_key)}
        response = self._call_from("query", start, **params)
        last = response.get("LastEvaluatedKey")
        return response["Items"], _position(last) if last else None

    # --- plumbing -------------------------------------------------------------------

    def _key(self, record_id: str) -> dict[str, Any]:
        return {COMPLEX_SCHEMA_KEY_ONE: {"S": check_key("id", record_id)}}

    def _check_status(self, status: str) -> None:
        check_status("status", status, self.statuses)

    def _write_params(
        self,
        record_id: str,
        status: str,
        updated_at: str,
        data: Mapping[str, Any] | object | None = _KEEP,
        precondition: Precondition = UNCONDITIONAL,
        must_exist: bool = False,
        token: WriteToken | None = None,
    ) -> dict[str, Any]:
        """One UpdateItem that sets status and time and moves the version atomically,
        recognising its own retry by ``token`` (see ``write_tokens.py``)."""
        token = token or WriteToken()
        values: dict[str, Any] = {
            ":status": {"S": status},
            ":updated": {"S": updated_at},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
            **token.values,
        }
        assignments = [
            "#status = :status",
            "#updated = :updated",
            "#version = if_not_exists(#version, :zero) + :one",
            *token.assignments,
        ]
        if self.status_shards:
            assignments.append("#shard = :shard")
            values[":shard"] = {"S": self._shard_key(record_id, status)}
        removals = ""
        if data is None:
            removals = " REMOVE #data"
        elif data is not _KEEP:
            assignments.append("#data = :data")
            values[":data"] = _serialize(data)
        update = "SET " + ", ".join(assignments) + removals
        precondition_met, condition_values = _condition(precondition, must_exist)
        condition = f"{precondition_met} AND {token.guard}" if precondition_met else token.guard
        return {
            "TableName": self.table_name,
            "Key": self._key(record_id),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": _names_used_in(update, condition),
            "ExpressionAttributeValues": {**values, **condition_values},
        }

    def _write(
        self,
        record_id: str,
        status: str,
        data: Mapping[str, Any] | object | None,
        precondition: Precondition,
        must_exist: bool,
    ) -> tuple[Record, bool]:
        """Run one conditional write; return the record as written and whether it is new.

        The image just before the write (``ALL_OLD``) tells both exactly, without a read.
        """
        updated_at = utc_timestamp()
        token = WriteToken()
        params = self._write_params(record_id, status, updated_at, data, precondition, must_exist, token)
        try:
            response = self._call(
                "update_item", **params, ReturnValues="ALL_OLD", ReturnValuesOnConditionCheckFailure="ALL_OLD"
            )
        except ConditionFailed as err:
            age = token.age_in(err.item)
            if age is None:
                raise _precondition_error(record_id, precondition, err, must_exist) from err
            # This very write was applied already (botocore's retry of a lost answer, or an
            # Idempotency-Key's retry): answer as its own answer would have.
            now = _to_record(cast("dict[str, Any]", err.item))
            if age == 0:  # nothing came after it: the record is its result
                return now, now.version == 1
            version = now.version - age  # one version per write since
            kept = now.data if data is _KEEP else _plain(data)  # PATCH: the data as it is now
            return Record(record_id, status, updated_at, version, kept), version == 1
        before = _to_record(response["Attributes"]) if response.get("Attributes") else None
        record = Record(
            id=record_id,
            status=status,
            updated_at=updated_at,
            version=(before.version if before else 0) + 1,
            data=(before.data if before else None) if data is _KEEP else _plain(data),
        )
        return record, before is None

    def _query_all(self, **params: Any) -> dict[str, Any]:
        items = [
            item
            for page in self._pages("query", TableName=self.table_name, **params)
            for item in page["Items"]
        ]
        return {"Items": items, "Count": len(items)}


def _updated(item: Mapping[str, Any]) -> str:
    return str(item[COMPLEX_SCHEMA_KEY_THREE]["S"])


def _position(item: Mapping[str, Any]) -> tuple[str, str]:
    """Where a Query of a shard goes on from after this record (or LastEvaluatedKey)."""
    return item[COMPLEX_SCHEMA_KEY_THREE]["S"], item[COMPLEX_SCHEMA_KEY_ONE]["S"]


def _merge(
    answers: Mapping[int, tuple[list[dict[str, Any]], tuple[str, str] | None]], limit: int
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """A page of at most ``limit`` records merged from the shards' answers by (time, shard),
    each shard's taken in its own order, and how many of each it took. It stops where a
    shard's unread records could come next, and before the record that would take the
    page past ``PAGE_BYTES`` (each shard's Query may return that much: merged, a page
    could hold N times it); its first record it always takes."""
    page: list[dict[str, Any]] = []
    taken = dict.fromkeys(answers, 0)
    if any(not items and last for items, last in answers.values()):
        return page, taken  # a shard read nothing yet has more: nothing is known to come first
    heads = [(_updated(items[0]), shard) for shard, (items, _) in answers.items() if items]
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
            heapq.heappush(heads, (_updated(items[taken[shard]]), shard))
        elif last is not None:
            break  # its next records are unread, and may come before every other shard's
    return page, taken


# DynamoDB's cap on one Query's page: a merged page of the sharded index stops there too,
# as a page of the seed's index (one Query) does.
PAGE_BYTES = 1024 * 1024


def item_size(item: Mapping[str, Any]) -> int:
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


def _condition(precondition: Precondition, must_exist: bool) -> tuple[str | None, dict[str, Any]]:
    """The ConditionExpression (and its values) that enforces a precondition atomically."""
    clauses: list[str] = []
    values: dict[str, Any] = {}
    if must_exist or precondition.must_exist:
        clauses.append("attribute_exists(#id)")
    if precondition.must_not_exist:
        clauses.append("attribute_not_exists(#id)")
    if precondition.versions:
        expected = _numbers(values, "expected", precondition.versions)
        clauses.append(f"#version IN ({expected})")
    if precondition.none_match_versions:
        refused = _numbers(values, "refused", precondition.none_match_versions)
        clauses.append(f"(attribute_not_exists(#id) OR NOT (#version IN ({refused})))")
    return (" AND ".join(clauses) or None), values


def _numbers(values: dict[str, Any], prefix: str, numbers: tuple[int, ...]) -> str:
    """Add numbers as expression values; return their placeholders, comma-separated.

    Each number once: DynamoDB's ``IN`` compares with at most 100 operands.
    """
    distinct = sorted(set(numbers))
    if len(distinct) > MAX_IN_OPERANDS:
        raise InvalidInput("precondition", f"may name at most {MAX_IN_OPERANDS} versions")
    placeholders = []
    for index, number in enumerate(distinct):
        values[f":{prefix}{index}"] = {"N": str(number)}
        placeholders.append(f":{prefix}{index}")
    return ", ".join(placeholders)


def _precondition_error(
    record_id: str, precondition: Precondition, err: ConditionFailed, must_exist: bool
) -> Exception:
    """Which precondition failed, told from the item as it was (None: there was none)."""
    if err.item is None and must_exist:
        return NotFound(f"no record with id {record_id!r}")
    if err.item is not None and precondition.must_not_exist:
        return AlreadyExists(f"record {record_id!r} already exists")
    return VersionConflict(f"record {record_id!r} does not have the expected version")


def _names_used_in(*expressions: str | None) -> dict[str, str]:
    """The placeholders an expression uses: DynamoDB rejects unused ones."""
    used = set(re.findall(r"#\w+", " ".join(expression for expression in expressions if expression)))
    return {placeholder: name for placeholder, name in _NAMES.items() if placeholder in used}


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _serialize(data: Any) -> dict[str, Any]:
    return cast("dict[str, Any]", _serializer.serialize(data))


def _decimals(value: Any) -> Any:
    """Numbers as Decimals boto3 serializes exactly: floats by their shortest repr,
    trailing zeros dropped (boto3 refuses a 41-digit ``10**40`` but takes ``1E+40``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return compact_number(Decimal(repr(value)))
    if isinstance(value, int | Decimal):
        return compact_number(Decimal(value))
    if isinstance(value, Mapping):
        return {name: _decimals(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_decimals(member) for member in value]
    return value


def _plain(value: Any) -> Any:
    """DynamoDB values back to plain Python, exactly: integers as ``int``, other numbers
    stay ``Decimal`` (a float keeps 17 digits, DynamoDB 38); sets become lists."""
    if isinstance(value, Decimal):
        number = compact_number(value)
        exponent = number.as_tuple().exponent  # an int for every finite number
        return int(number) if isinstance(exponent, int) and exponent >= 0 else number
    if isinstance(value, Mapping):
        return {name: _plain(member) for name, member in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [_plain(member) for member in value]
    return value


def _to_record(item: dict[str, Any]) -> Record:
    data = item.get(RECORD_DATA)
    return Record(
        id=item[COMPLEX_SCHEMA_KEY_ONE]["S"],
        status=item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S", ""),
        updated_at=item.get(COMPLEX_SCHEMA_KEY_THREE, {}).get("S", ""),
        version=int(item.get(RECORD_VERSION, {}).get("N", "0")),
        data=_plain(_deserializer.deserialize(data)) if data else None,
    )
