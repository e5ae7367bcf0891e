"""``DynamoGeneralClass``: the seed's base class, with its defects mended.

Every DynamoDB call goes through ``_call``, the one place where botocore errors become
domain exceptions: nothing is printed and swallowed, nothing calls ``sys.exit``.
"""

import functools
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from dynamo_tables.cursor import decode_cursor, encode_cursor
from dynamo_tables.errors import ConfigurationError, InvalidCursor, InvalidInput, Throttled, Unavailable
from dynamo_tables.limits import check_page_size
from dynamo_tables.settings import MAX_STATUS_INDEX_SHARDS
from dynamo_tables.write_tokens import WriteToken

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

# Sized to the functions' timeout (12 s in template.yaml): the SDK gives up first, so
# a slow or paused DynamoDB becomes the API's 503, never a Lambda timeout (a 502).
# Worst case: 3 attempts x (1 s connect + 1 s read) + standard back-off (<= 1 s, 2 s) = 9 s.
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    # A sharded listing by status queries every shard at once (complex.py); connections
    # are opened only as needed, so this is a ceiling, not a cost.
    max_pool_connections=MAX_STATUS_INDEX_SHARDS,
)

_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_UNAVAILABLE_CODES = _THROTTLING_CODES | frozenset(
    {
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
        # The same request (ClientRequestToken) is still being applied: retry shortly.
        "TransactionInProgressException",
    }
)


# What ``table_name`` asks ``get_params`` for when it only needs the table's name: a text
# that also reads as a number, for tables whose hash key is one.
_ANY_KEY = "0"


@functools.cache
def default_client() -> "DynamoDBClient":
    """One client per process; region, credentials and endpoint come from the environment.

    ``AWS_ENDPOINT_URL_DYNAMODB`` (boto3's own setting) points it at DynamoDB Local.
    """
    return boto3.client("dynamodb", config=CLIENT_CONFIG)


CONFLICT_ATTEMPTS = 4


class _Conflict(Exception):
    """DynamoDB refused a request unapplied because a transaction held its item."""


class ConditionFailed(Exception):
    """A ``ConditionalCheckFailedException``, with the item as it was (if any).

    Internal: the table classes turn it into ``NotFound``, ``VersionConflict`` or
    ``AlreadyExists``, which only they can tell apart.
    """

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class DynamoGeneralClass(ABC):
    """The seed's base class: the actions every table has, given two params a subclass defines.

    A subclass defines ``get_params(key)`` and ``put_params(key, data)``, naming its table
    and the item's key as the seed's classes do. ``update_params`` and ``remove_params``
    default to ones built from ``get_params``; a subclass may define its own.
    """

    def __init__(
        self,
        conf: Mapping[str, Any] | None = None,
        client: "DynamoDBClient | None" = None,
        table_name: str | None = None,
    ) -> None:
        """``conf``: boto3 client kwargs as in the seed's ``aws_conf``; none: the environment."""
        self.conf = dict(conf or {})
        if client is not None:
            self.dynamodb = client
        elif self.conf:
            self.dynamodb = boto3.client("dynamodb", **{"config": CLIENT_CONFIG, **self.conf})
        else:
            self.dynamodb = default_client()
        self._table_name = table_name or self._default_table_name()
        self._asking_params = False
        self._resource_tables: dict[str, Table] = {}

    @property
    def table_name(self) -> str:
        """Given when built, named by ``create_table``, or else the one the params name.

        A subclass may also name it in a ``table_name`` class attribute.
        """
        if self._table_name is None:
            self._table_name = self._table_name_from_params()
        return self._table_name

    @table_name.setter
    def table_name(self, name: str) -> None:
        self._table_name = name

    def _default_table_name(self) -> str | None:
        """The table when none is given; None: ``create_table`` or the params name it."""
        return None

    def _table_name_from_params(self) -> str:
        """The table the subclass's own ``get_params`` names, as the seed's classes name theirs."""
        if self._asking_params:  # its get_params reads table_name: it cannot tell us
            raise ConfigurationError("get_params needs table_name itself")
        self._asking_params = True
        try:
            return str(self.get_params(_ANY_KEY)["TableName"])
        except Exception as err:
            raise ConfigurationError(
                f"{type(self).__name__} has no table name: call create_table(schema, name), pass "
                f"table_name=..., or set a table_name class attribute (asking get_params failed: {err})"
            ) from err
        finally:
            self._asking_params = False

    # --- the seed's methods -------------------------------------------------------------

    @abstractmethod
    def get_params(self, key: Any) -> dict[str, Any]:
        """GetItem's arguments for ``key``: at least ``TableName`` and ``Key``."""

    @abstractmethod
    def put_params(self, key: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """PutItem's arguments: the item is the key plus ``data`` (DynamoDB typed values)."""

    def update_params(self, key: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """SET every attribute of ``data`` (DynamoDB typed values) on the item ``get_params`` names."""
        if not data:
            raise InvalidInput("data", "must name at least one attribute to set")
        names = {f"#a{index}": name for index, name in enumerate(data)}
        values = {f":v{index}": value for index, value in enumerate(data.values())}
        assignments = ", ".join(f"#a{index} = :v{index}" for index in range(len(data)))
        return {
            **self._item(key),
            "UpdateExpression": f"SET {assignments}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "UPDATED_NEW",
        }

    def remove_params(self, key: Any) -> dict[str, Any]:
        """DeleteItem's arguments: the item ``get_params`` names."""
        return self._item(key)

    def create_table(self, table_schema: Mapping[str, Any], table_name: str) -> None:
        """Create the table unless it exists, then wait until it is active."""
        self.table_name = table_name
        try:
            self._call("create_table", **{**table_schema, "TableName": table_name})
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        self.dynamodb.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
        )

    def get_table(self, table_name: str) -> "Table":
        """A boto3 ``Table`` resource, built once per table name."""
        if table_name not in self._resource_tables:
            resource = boto3.resource("dynamodb", **{"config": CLIENT_CONFIG, **self.conf})
            self._resource_tables[table_name] = resource.Table(table_name)
        return self._resource_tables[table_name]

    def list_all(self) -> dict[str, Any]:
        """Every item in the table, all pages, in the Scan response's shape.

        Reads the whole table: for tests and small tables; the API pages instead.
        """
        items = [item for page in self._pages("scan", TableName=self.table_name) for item in page["Items"]]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}

    def get(self, key: Any) -> dict[str, Any]:
        """The GetItem response: ``Item`` is there if the key is."""
        return self._call("get_item", **self.get_params(key))

    def put(self, key: Any, data: Mapping[str, Any]) -> None:
        """Write the whole item: the key plus ``data`` (DynamoDB typed values)."""
        self._call("put_item", **self.put_params(key, data))

    def update(self, key: Any, data: Any) -> dict[str, Any]:
        """Apply ``update_params(key, data)``; returns the UpdateItem response."""
        return self._call("update_item", **self.update_params(key, data))

    def remove(self, key: Any) -> None:
        """Delete the item (nothing happens if there is none), as the seed's repository does."""
        self._call("delete_item", **self.remove_params(key))

    def exists(self, key: Any) -> bool:
        return "Item" in self.get(key)

    # --- plumbing -------------------------------------------------------------------

    def _item(self, key: Any) -> dict[str, Any]:
        """The table and key that ``get_params`` names, without its read options."""
        params = self.get_params(key)
        return {"TableName": params["TableName"], "Key": params["Key"]}

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run one DynamoDB operation, translating its failures into domain exceptions.

        A request that met a transaction in flight on its item (a delete) was refused
        unapplied, and that transaction ends within milliseconds: it goes again, a few
        times, before it counts as unavailable. botocore's retries do not cover it.
        """
        attempt = 1
        while True:
            try:
                return self._call_once(operation, params)
            except _Conflict as conflict:
                if attempt == CONFLICT_ATTEMPTS:
                    raise Unavailable(f"DynamoDB {operation}: {conflict}") from conflict
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not secrets
            attempt += 1

    def _call_once(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.dynamodb, operation)(**params)
        except ClientError as err:
            error = err.response.get("Error", {})
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if error.get("Code") == "ConditionalCheckFailedException":
                raise ConditionFailed(cast("dict[str, Any] | None", err.response.get("Item"))) from err
            if error.get("Code") == "TransactionCanceledException":
                reasons = err.response.get("CancellationReasons", [])
                failed = [reason for reason in reasons if reason.get("Code") == "ConditionalCheckFailed"]
                if failed:
                    raise ConditionFailed(cast("dict[str, Any] | None", failed[0].get("Item"))) from err
                if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                    raise _Conflict("cancelled by a conflicting transaction") from err
                raise Unavailable(
                    f"DynamoDB {operation} cancelled: {[r.get('Code') for r in reasons]}"
                ) from err
            if error.get("Code") == "TransactionConflictException":
                raise _Conflict("a transaction held the item") from err
            if error.get("Code") in _THROTTLING_CODES:
                raise Throttled(f"DynamoDB {operation} throttled: {error.get('Code')}") from err
            if error.get("Code") in _UNAVAILABLE_CODES or status >= 500:
                raise Unavailable(f"DynamoDB {operation} failed: {error.get('Code')}") from err
            raise
        except (BotocoreConnectionError, HTTPClientError) as err:
            raise Unavailable(f"DynamoDB {operation} did not answer: {type(err).__name__}") from err
        return response

    def _delete_once(self, key: Any, condition: str, names: dict[str, str], values: dict[str, Any]) -> None:
        """Delete the item ``get_params`` names if ``condition`` holds, at most once.

        A delete leaves nothing on the item to recognise its own retry by, so it goes as a
        transaction with a ClientRequestToken: DynamoDB answers a repeat of an applied
        request (botocore's retry of a lost answer) with success for 10 minutes, instead of
        a failed condition. It costs a second write unit.
        """
        delete: dict[str, Any] = {
            **self._item(key),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            delete["ExpressionAttributeValues"] = values
        self._call(
            "transact_write_items", TransactItems=[{"Delete": delete}], ClientRequestToken=WriteToken().value
        )

    def _listing(
        self,
        operation: str,
        scope: str,
        key_names: frozenset[str],
        limit: int,
        cursor: str | None,
        bound: Mapping[str, str] | None = None,
        **params: Any,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a Scan or Query and the opaque cursor to the next (see ``cursor.py``)."""
        params.update(TableName=self.table_name, Limit=check_page_size(limit))
        response = self._call_from(operation, decode_cursor(scope, cursor, key_names, bound), **params)
        return response["Items"], encode_cursor(scope, response.get("LastEvaluatedKey"))

    def _call_from(self, operation: str, start: dict[str, Any] | None, **params: Any) -> dict[str, Any]:
        """A Scan or Query from ``start``, a start key a cursor gave."""
        if start:
            params["ExclusiveStartKey"] = start
        try:
            return self._call(operation, **params)
        except ClientError as err:
            # DynamoDB has the last word on a start key, whatever was checked before: a 400.
            if start and err.response.get("Error", {}).get("Code") == "ValidationException":
                raise InvalidCursor("cursor is not one this API issued for this listing") from err
            raise

    def _pages(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Follow ``LastEvaluatedKey`` through every page of a Scan or Query."""
        while True:
            page = self._call(operation, **params)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
