"""Writes as the layer made them before its write tokens became 8-byte binaries (up to
commit 5b45787): 16 string slots ``W0`` to ``W15`` of 16 URL-safe characters (12 bytes,
base64), ``"-"`` in an empty slot, a string ``Creator``, and the same token text as a
delete's ``ClientRequestToken``. The expressions are that version's own, copied here, so
that tests make items from before as that version made them: data outlives a deploy.
"""

import base64
import hashlib
import os
from collections.abc import Mapping
from typing import Any

from dynamo_tables.codec import to_attribute
from dynamo_tables.records import RECORD_DATA, RECORD_VERSION, utc_timestamp
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    SIMPLE_SCHEMA_KEY,
    SIMPLE_SCHEMA_VALUE,
)

RECENT_BEFORE = 16
NAMES = {f"#w{index}": f"W{index}" for index in range(RECENT_BEFORE)}
ASSIGNMENTS = [
    "#w0 = :token",
    *(f"#w{index} = if_not_exists(#w{index - 1}, :no_token)" for index in range(RECENT_BEFORE - 1, 0, -1)),
]
GUARD = "NOT (" + " OR ".join(f"#w{index} = :token" for index in range(RECENT_BEFORE)) + ")"


def token_before(seed: str | None = None, nth: int = 1) -> str:
    """The ``nth`` token of ``WriteTokens(seed)`` as that version gave it (random without a seed)."""
    if seed is None:
        return base64.urlsafe_b64encode(os.urandom(12)).decode()
    digest = hashlib.sha256(f"{seed}#{nth}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def _values(token: str) -> dict[str, Any]:
    return {":token": {"S": token}, ":no_token": {"S": "-"}}


def put_record_before(
    client: Any, table: str, record_id: str, status: str, data: Mapping[str, Any] | None, token: str
) -> None:
    """``put_record`` (unconditional, seed's index) as that version sent it."""
    names = {
        "#status": COMPLEX_SCHEMA_KEY_TWO,
        "#updated": COMPLEX_SCHEMA_KEY_THREE,
        "#version": RECORD_VERSION,
        "#data": RECORD_DATA,
        **NAMES,
    }
    values = {
        ":status": {"S": status},
        ":updated": {"S": utc_timestamp()},
        ":zero": {"N": "0"},
        ":one": {"N": "1"},
        **_values(token),
    }
    assignments = [
        "#status = :status",
        "#updated = :updated",
        "#version = if_not_exists(#version, :zero) + :one",
        *ASSIGNMENTS,
    ]
    removals = ""
    if data is None:
        removals = " REMOVE #data"
    else:
        assignments.append("#data = :data")
        values[":data"] = to_attribute(data)
    client.update_item(
        TableName=table,
        Key={COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}},
        UpdateExpression="SET " + ", ".join(assignments) + removals,
        ConditionExpression=GUARD,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def put_value_before(client: Any, table: str, key: str, value: str, token: str) -> None:
    """``put_value`` as that version sent it."""
    client.update_item(
        TableName=table,
        Key={SIMPLE_SCHEMA_KEY: {"S": key}},
        UpdateExpression="SET #value = :value, #creator = if_not_exists(#creator, :token), "
        + ", ".join(ASSIGNMENTS),
        ConditionExpression=GUARD,
        ExpressionAttributeNames={"#value": SIMPLE_SCHEMA_VALUE, "#creator": "Creator", **NAMES},
        ExpressionAttributeValues={":value": {"S": value}, **_values(token)},
    )


def delete_record_before(client: Any, table: str, record_id: str, token: str) -> None:
    """``delete_record`` (unconditional) as that version sent it."""
    client.transact_write_items(
        TransactItems=[
            {
                "Delete": {
                    "TableName": table,
                    "Key": {COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}},
                    "ConditionExpression": "attribute_exists(#id)",
                    "ExpressionAttributeNames": {"#id": COMPLEX_SCHEMA_KEY_ONE},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ],
        ClientRequestToken=token,
    )
