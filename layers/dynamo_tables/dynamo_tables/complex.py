"""``ComplexTableClass``: records with a status index (seed: ``ComplexSchemaTableName``).

The seed's methods (``update``, ``filter_by_key_one``, ``filter_by_key_two``) and the typed
ones the handlers call; a record in ``records.py``, expressions in ``expressions.py``."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from dynamo_tables.base import DynamoGeneralClass
from dynamo_tables.calls import ConditionFailed, pages
from dynamo_tables.codec import storable
from dynamo_tables.errors import InvalidCursor, NotFound
from dynamo_tables.expressions import names_used_in, precondition_expression, record_write
from dynamo_tables.limits import (
    DEFAULT_PAGE_SIZE,
    check_data,
    check_key,
    check_page_size,
    check_status,
)
from dynamo_tables.models import UNCONDITIONAL, Page, Precondition, Record
from dynamo_tables.records import (
    KEEP,
    RECORD_VERSION,
    applied,
    applied_before,
    precondition_error,
    to_record,
    utc_timestamp,
)
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_SHARD,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    COMPLEX_SCHEMA_TABLE_NAME,
)
from dynamo_tables.settings import record_statuses, status_index_counts, table_name_from
from dynamo_tables.shapes import Answer, AttributeMap, Params
from dynamo_tables.status_index import index_gone, read_shards, reading, seed_query
from dynamo_tables.write_tokens import WriteTokens

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GREEN = "green"
RED = "red"

_TABLE_KEYS = frozenset({COMPLEX_SCHEMA_KEY_ONE})
_INDEX_KEYS = frozenset({COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_TWO})


class ComplexTableClass(DynamoGeneralClass):
    """Records: ``AttributeOneKey`` (id), ``AttributeTwoKey`` (status, indexed),
    ``AttributeThreeKey`` (last updated), ``Version`` and optional ``Data``.

    Every write moves the version with an atomic update expression, so concurrent writers
    cannot lose each other's writes, and recognises its own retry by its token. Besides
    what ``DynamoGeneralClass`` raises, the typed methods raise ``InvalidInput`` for an id,
    status or data outside ``limits.py`` before DynamoDB is called.
    """

    key_name = COMPLEX_SCHEMA_KEY_ONE

    def __init__(
        self,
        conf: Mapping[str, Any] | None = None,
        client: "DynamoDBClient | None" = None,
        table_name: str | None = None,
        status_shards: int | None = None,
        shards_before: int | None = None,
    ) -> None:
        """``status_shards`` (0: the seed's index), ``shards_before`` (a re-shard's count before;
        None: none under way): not given, ``settings.status_index_counts``; see ``reading``."""
        super().__init__(conf, client, table_name)
        self.statuses = record_statuses(default=(GREEN, RED))
        if status_shards is None:
            status_shards, shards_before = status_index_counts()
        self.status_shards, self.shards_before = status_shards, shards_before
        self.read_shards = read_shards(status_shards, shards_before)
        self._shards, self._read, self._seed_gone = reading(status_shards, shards_before)

    def _default_table_name(self) -> str:
        """The seed's table with the seed's conf dict; from the environment, the template's."""
        return COMPLEX_SCHEMA_TABLE_NAME if self.conf else table_name_from("COMPLEX_TABLE_NAME")

    # --- the seed's methods -------------------------------------------------------------

    def get_params(self, key: str) -> Params:
        return {"TableName": self.table_name, "Key": self._key(key), "ConsistentRead": True}

    def put_params(self, key: str, data: Mapping[str, Any]) -> Params:
        """The seed's PutItem of the item as given. With the sharded index it also stamps
        the record's shard, and the last-updated time when the item has none (as every
        other write does): that index sorts by it, so without it the record is not in it."""
        item = {**self._key(key), **data}
        status = item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S")
        if self._shards and status is not None:
            item[COMPLEX_SCHEMA_KEY_SHARD] = {"S": self._shards.key(key, status)}
            item.setdefault(COMPLEX_SCHEMA_KEY_THREE, {"S": utc_timestamp()})
        return {"TableName": self.table_name, "Item": item}

    def filter_by_key_one(self, key: str, status: str) -> Answer:
        """The record with this id if its status matches, in the Query response's shape."""
        return self._query_all(
            KeyConditionExpression="#id = :id",
            FilterExpression="#status = :status",
            ExpressionAttributeNames={"#id": COMPLEX_SCHEMA_KEY_ONE, "#status": COMPLEX_SCHEMA_KEY_TWO},
            ExpressionAttributeValues={":id": {"S": check_key("key", key)}, ":status": {"S": status}},
        )

    def filter_by_key_two(self, status: str) -> Answer:
        """Every record with this status: all pages of the status index (every shard's)."""
        if self._read:
            return self._read.all(self.dynamodb, self.table_name, status)
        try:
            return self._query_all(**seed_query(status))
        except ClientError as err:
            if self._seed_gone is None or not index_gone(err):
                raise
            return self._seed_gone.all(self.dynamodb, self.table_name, status)

    def update(self, key: str, status: Any) -> Answer:
        """The seed's ``update(key, status)``: set the status and stamp the time.

        It also moves the version, so ETags held by API clients stay honest.
        """
        record, _ = self._write(key, status, KEEP, UNCONDITIONAL, must_exist=False, tokens=WriteTokens())
        return {
            "Attributes": {
                COMPLEX_SCHEMA_KEY_TWO: {"S": record.status},
                COMPLEX_SCHEMA_KEY_THREE: {"S": record.updated_at},
                RECORD_VERSION: {"N": str(record.version)},
            }
        }

    # --- typed methods for the handlers ------------------------------------------------

    def get_record(self, record_id: str, status: str | None = None) -> Record:
        """The record; with ``status``, found only when its status matches (seed ``filter_by_key_one``).

        Raises:
            NotFound: there is none (with that status).
        """
        check_key("id", record_id)
        if status is not None:
            self._check_status(status)
        item = self.get(record_id).get("Item")
        if item is None or (status is not None and item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S") != status):
            raise NotFound(f"no record with id {record_id!r}" + (f" and status {status!r}" if status else ""))
        return to_record(item)

    def put_record(
        self,
        record_id: str,
        status: str,
        data: Mapping[str, Any] | None = None,
        precondition: Precondition = UNCONDITIONAL,
        tokens: WriteTokens | None = None,
    ) -> tuple[Record, bool]:
        """Create or replace the record's status and data; says whether it was created.

        ``tokens``: where the write's token comes from (``write_tokens.py``), fresh by default.

        Raises:
            PreconditionFailed: ``precondition`` does not hold (``VersionConflict`` or
                ``AlreadyExists``).
        """
        check_key("id", record_id)
        self._check_status(status)
        if data is not None:
            data = storable(check_data("data", data))  # what is stored is what is returned
        return self._write(record_id, status, data, precondition, False, tokens or WriteTokens())

    def set_status(
        self,
        record_id: str,
        status: str,
        precondition: Precondition = UNCONDITIONAL,
        tokens: WriteTokens | None = None,
    ) -> Record:
        """Seed ``update`` for an existing record: new status, new time, next version.

        Raises:
            NotFound: there is no such record.
            VersionConflict: ``precondition`` does not hold.
        """
        check_key("id", record_id)
        self._check_status(status)
        record, _ = self._write(record_id, status, KEEP, precondition, True, tokens or WriteTokens())
        return record

    def delete_record(
        self, record_id: str, precondition: Precondition = UNCONDITIONAL, tokens: WriteTokens | None = None
    ) -> None:
        """Delete the record, at most once (``tokens`` as for ``put_record``).

        Raises:
            NotFound: there is no such record.
            VersionConflict: ``precondition`` does not hold.
        """
        condition, values = precondition_expression(precondition, must_exist=True)
        try:
            self._delete_once(
                record_id, str(condition), names_used_in(condition), values, tokens or WriteTokens()
            )
        except ConditionFailed as err:
            raise precondition_error(record_id, precondition, err, must_exist=True) from err

    def list_records(self, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[Record]:
        """All records, one page at a time (a Scan).

        Raises:
            InvalidPage: ``limit`` is out of range, or the cursor is not one this listing issued.
        """
        records, next_cursor = self._listing("scan", "records", _TABLE_KEYS, limit, cursor)
        return Page([to_record(item) for item in records], next_cursor)

    def list_by_status(
        self, status: str, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
    ) -> Page[Record]:
        """Records with this status, one page at a time (seed ``filter_by_key_two``); between
        two counts of a re-shard a page may miss a record it moves (``Page.complete``).

        Raises:
            InvalidPage: ``limit`` is out of range, or the cursor is not one this listing issued.
        """
        self._check_status(status)
        shards = self._read
        try:
            if shards:
                items, after = shards.page(
                    self.dynamodb, self.table_name, status, check_page_size(limit), cursor
                )
                return Page([to_record(item) for item in items], after, complete=not shards.revisit)
            records, next_cursor = self._listing(
                "query",
                f"records:{status}",
                _INDEX_KEYS,
                limit,
                cursor,
                bound={COMPLEX_SCHEMA_KEY_TWO: status},  # a page of this status starts at a key of it
                **seed_query(status),
            )
        except (ClientError, InvalidCursor) as err:  # the seed's index gone, or a cursor read after
            if shards or self._seed_gone is None or (isinstance(err, ClientError) and not index_gone(err)):
                raise
            items, after = self._seed_gone.page(self.dynamodb, self.table_name, status, limit, cursor)
            return Page([to_record(item) for item in items], after)
        return Page([to_record(item) for item in records], next_cursor)

    # --- plumbing -------------------------------------------------------------------

    def _key(self, record_id: str) -> AttributeMap:
        return {COMPLEX_SCHEMA_KEY_ONE: {"S": check_key("id", record_id)}}

    def _check_status(self, status: str) -> None:
        check_status("status", status, self.statuses)

    def _write(
        self,
        record_id: str,
        status: str,
        data: Mapping[str, Any] | None,
        precondition: Precondition,
        must_exist: bool,
        tokens: WriteTokens,
    ) -> tuple[Record, bool]:
        """Run one conditional write; return the record as written and whether it is new.

        The image just before the write (``ALL_OLD``) tells both exactly, without a read.
        """
        updated_at = utc_timestamp()
        token = tokens.next_token()
        shard_key = self._shards.key(record_id, status) if self._shards else None
        params = record_write(
            self._key(record_id), status, updated_at, data, precondition, must_exist, token, shard_key
        )
        try:
            response = self._call(
                "update_item",
                TableName=self.table_name,
                **params,
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as err:
            age = token.age_in(err.item)
            if age is None or err.item is None:
                raise precondition_error(record_id, precondition, err, must_exist) from err
            return applied_before(err.item, age, record_id, status, updated_at, data)
        return applied(response.get("Attributes"), record_id, status, updated_at, data)

    def _query_all(self, **params: Any) -> Answer:
        query = {"TableName": self.table_name, **params}
        items = [item for page in pages(self.dynamodb, "query", query) for item in page["Items"]]
        return {"Items": items, "Count": len(items)}
