"""``SimpleTableClass``: the key-value table (seed: ``SimpleSchemaTableName``)."""

from collections.abc import Mapping
from typing import Any

from dynamo_tables.base import DynamoGeneralClass
from dynamo_tables.calls import ConditionFailed
from dynamo_tables.errors import NotFound
from dynamo_tables.limits import DEFAULT_PAGE_SIZE, check_key, check_value
from dynamo_tables.models import Item, Page
from dynamo_tables.schema import SIMPLE_SCHEMA_KEY, SIMPLE_SCHEMA_TABLE_NAME, SIMPLE_SCHEMA_VALUE
from dynamo_tables.settings import table_name_from
from dynamo_tables.shapes import AttributeMap, Params
from dynamo_tables.write_tokens import CREATOR, WriteTokens
from dynamo_tables.write_tokens import NAMES as WRITE_TOKEN_NAMES

_LISTING = "items"


class SimpleTableClass(DynamoGeneralClass):
    """Items: ``IndexKey`` (hash key) and ``Value``, both strings.

    Besides what ``DynamoGeneralClass`` raises, the typed methods raise ``InvalidInput``
    for a key or value outside ``limits.py`` before DynamoDB is called.
    """

    key_name = SIMPLE_SCHEMA_KEY

    def _default_table_name(self) -> str:
        """The seed's table with the seed's conf dict; from the environment, the template's."""
        return SIMPLE_SCHEMA_TABLE_NAME if self.conf else table_name_from("SIMPLE_TABLE_NAME")

    def get_params(self, key: str) -> Params:
        return {"TableName": self.table_name, "Key": self._key(key), "ConsistentRead": True}

    def put_params(self, key: str, data: Mapping[str, Any]) -> Params:
        return {"TableName": self.table_name, "Item": {**self._key(key), **data}}

    def set_value(self, key: str, value: str) -> None:
        """The seed's write: store ``value`` under ``key``, replacing any item there."""
        self.put(key, {SIMPLE_SCHEMA_VALUE: {"S": value}})

    # --- typed methods for the handlers ------------------------------------------------

    def get_value(self, key: str) -> Item:
        """The item under ``key``.

        Raises:
            NotFound: there is none.
        """
        item = self.get(check_key("key", key)).get("Item")
        if item is None:
            raise NotFound(f"no item with key {key!r}")
        return _to_item(item)

    def put_value(self, key: str, value: str, tokens: WriteTokens | None = None) -> tuple[Item, bool]:
        """Create or replace the item; says whether it was created.

        An update rather than a put, so that it recognises its own retry (see
        ``write_tokens.py``; ``tokens``: where its token comes from, fresh by default);
        ``Creator`` keeps the token of the write that created the item.
        """
        check_key("key", key)
        token = (tokens or WriteTokens()).next_token()
        try:
            response = self._call(
                "update_item",
                **self._item(key),
                UpdateExpression=token.update(
                    ["#value = :value", "#creator = if_not_exists(#creator, :token)"], []
                ),
                ConditionExpression=token.guard,
                ExpressionAttributeNames={
                    "#value": SIMPLE_SCHEMA_VALUE,
                    "#creator": CREATOR,
                    **WRITE_TOKEN_NAMES,
                },
                ExpressionAttributeValues={":value": {"S": check_value("value", value)}, **token.values},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as err:
            # Only the guard can fail: this very write was applied already (botocore's retry
            # of a lost answer, or a retried request with the same tokens).
            return Item(key, value), token.created(err.item)
        return Item(key, value), "Attributes" not in response

    def delete_value(self, key: str, tokens: WriteTokens | None = None) -> None:
        """Delete the item, at most once (``tokens`` as for ``put_value``).

        Raises:
            NotFound: there is none.
        """
        try:
            self._delete_once(
                key, "attribute_exists(#key)", {"#key": SIMPLE_SCHEMA_KEY}, {}, tokens or WriteTokens()
            )
        except ConditionFailed as err:
            raise NotFound(f"no item with key {key!r}") from err

    def list_values(self, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[Item]:
        """One page of items, in the table's order (a Scan).

        Raises:
            InvalidPage: ``limit`` is out of range, or the cursor is not one this listing issued.
        """
        items, next_cursor = self._listing("scan", _LISTING, frozenset({SIMPLE_SCHEMA_KEY}), limit, cursor)
        return Page([_to_item(item) for item in items], next_cursor)

    # --- plumbing -------------------------------------------------------------------

    def _key(self, key: str) -> AttributeMap:
        return {SIMPLE_SCHEMA_KEY: {"S": check_key("key", key)}}


def _to_item(item: AttributeMap) -> Item:
    return Item(item[SIMPLE_SCHEMA_KEY]["S"], item.get(SIMPLE_SCHEMA_VALUE, {}).get("S", ""))
