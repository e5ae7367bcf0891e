"""``DynamoGeneralClass``: the seed's base class, with its defects mended.

Every DynamoDB call goes through ``calls.call``, which turns botocore's errors into the
exceptions of ``errors.py``.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from dynamo_tables.calls import call, call_from, pages
from dynamo_tables.client import client_for, default_client, resource_for
from dynamo_tables.cursor import decode_cursor, encode_cursor
from dynamo_tables.errors import ConfigurationError, InvalidInput
from dynamo_tables.init_pause import resume as resume_collector
from dynamo_tables.limits import check_page_size
from dynamo_tables.shapes import Answer, AttributeMap, Params
from dynamo_tables.write_tokens import WriteTokens

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

# What ``table_name`` asks ``get_params`` for when it only needs the table's name: a text
# that also reads as a number, for tables whose hash key is one.
_ANY_KEY = "0"


class DynamoGeneralClass(ABC):
    """The seed's base class: the actions every table has, given two params a subclass defines.

    A subclass defines ``get_params(key)`` and ``put_params(key, data)``, naming its table
    and the item's key as the seed's classes do. ``update_params`` and ``remove_params``
    default to ones built from ``get_params``; a subclass may define its own.

    Every method that calls DynamoDB raises ``Throttled`` or ``Unavailable`` (both
    ``dynamo_tables.errors``) when DynamoDB refuses for capacity, fails or does not answer
    within the client's budget (``client.py``); a request DynamoDB finds malformed raises
    botocore's ``ClientError``.
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
            self.dynamodb = client_for(self.conf)
        else:
            self.dynamodb = default_client()
        self._table_name = table_name or self._default_table_name()
        self._asking_params = False
        self._resource_tables: dict[str, Table] = {}
        resume_collector()  # a cold start's client exists: the collector may run again

    @property
    def table_name(self) -> str:
        """Given when built, named by ``create_table``, or else the one the params name.

        A subclass may also name it in a ``table_name`` class attribute.

        Raises:
            ConfigurationError: nothing names the table.
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
    def get_params(self, key: Any) -> Params:
        """GetItem's arguments for ``key``: at least ``TableName`` and ``Key``."""

    @abstractmethod
    def put_params(self, key: Any, data: Mapping[str, Any]) -> Params:
        """PutItem's arguments: the item is the key plus ``data`` (DynamoDB typed values)."""

    def update_params(self, key: Any, data: Mapping[str, Any]) -> Params:
        """SET every attribute of ``data`` (DynamoDB typed values) on the item ``get_params`` names.

        Raises:
            InvalidInput: ``data`` names no attribute.
        """
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

    def remove_params(self, key: Any) -> Params:
        """DeleteItem's arguments: the item ``get_params`` names."""
        return self._item(key)

    def create_table(self, table_schema: Mapping[str, Any], table_name: str) -> None:
        """Create the table unless it exists, then wait until it is active.

        Raises:
            botocore.exceptions.WaiterError: the table did not become active within 5 minutes.
        """
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
            self._resource_tables[table_name] = resource_for(self.conf).Table(table_name)
        return self._resource_tables[table_name]

    def list_all(self) -> Answer:
        """Every item in the table, all pages, in the Scan response's shape.

        Reads the whole table: for tests and small tables; the API pages instead.
        """
        items = [
            item
            for page in pages(self.dynamodb, "scan", {"TableName": self.table_name})
            for item in page["Items"]
        ]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}

    def get(self, key: Any) -> Answer:
        """The GetItem response: ``Item`` is there if the key is."""
        return self._call("get_item", **self.get_params(key))

    def put(self, key: Any, data: Mapping[str, Any]) -> None:
        """Write the whole item: the key plus ``data`` (DynamoDB typed values)."""
        self._call("put_item", **self.put_params(key, data))

    def update(self, key: Any, data: Any) -> Answer:
        """Apply ``update_params(key, data)``; returns the UpdateItem response."""
        return self._call("update_item", **self.update_params(key, data))

    def remove(self, key: Any) -> None:
        """Delete the item (nothing happens if there is none), as the seed's repository does."""
        self._call("delete_item", **self.remove_params(key))

    def exists(self, key: Any) -> bool:
        return "Item" in self.get(key)

    # --- plumbing -------------------------------------------------------------------

    def _item(self, key: Any) -> Params:
        """The table and key that ``get_params`` names, without its read options."""
        params = self.get_params(key)
        return {"TableName": params["TableName"], "Key": params["Key"]}

    def _call(self, operation: str, **params: Any) -> Answer:
        """One DynamoDB operation on this class's client (see ``calls.call``)."""
        return call(self.dynamodb, operation, params)

    def _delete_once(
        self, key: Any, condition: str, names: dict[str, str], values: AttributeMap, tokens: WriteTokens
    ) -> None:
        """Delete the item ``get_params`` names if ``condition`` holds, at most once.

        A delete leaves nothing on the item to recognise its own retry by, so it goes as a
        transaction with a ClientRequestToken: DynamoDB answers a repeat of an applied
        request (botocore's retry of a lost answer) with success for 10 minutes, instead of
        a failed condition. It costs a second write unit.

        Raises:
            ConditionFailed: ``condition`` did not hold (the item as it was, if any).
        """
        delete: Params = {
            **self._item(key),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:
            delete["ExpressionAttributeValues"] = values
        self._call(
            "transact_write_items",
            TransactItems=[{"Delete": delete}],
            ClientRequestToken=tokens.next_token().value,
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
    ) -> tuple[list[AttributeMap], str | None]:
        """One page of a Scan or Query and the opaque cursor to the next (see ``cursor.py``).

        Raises:
            InvalidPage: ``limit`` is out of range, or the cursor is not one issued for ``scope``.
        """
        params.update(TableName=self.table_name, Limit=check_page_size(limit))
        start = decode_cursor(scope, cursor, key_names, bound)
        response = call_from(self.dynamodb, operation, start, params)
        return response["Items"], encode_cursor(scope, response.get("LastEvaluatedKey"))
