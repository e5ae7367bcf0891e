"""Opaque pagination cursors.

A cursor wraps DynamoDB's ``LastEvaluatedKey`` with the listing it belongs to, so a
cursor from one listing (say ``status=green``) is refused by another, and anything the
layer did not issue is an ``InvalidCursor`` rather than a DynamoDB error.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from dynamo_tables.errors import InvalidCursor, InvalidInput
from dynamo_tables.limits import check_key

_VERSION = 1


def encode_cursor(scope: str, last_key: dict[str, Any] | None) -> str | None:
    """``LastEvaluatedKey`` (string attributes only) to an opaque URL-safe token."""
    if not last_key:
        return None
    plain = {name: value["S"] for name, value in last_key.items()}
    payload = json.dumps({"v": _VERSION, "s": scope, "k": plain}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(
    scope: str, cursor: str | None, key_names: frozenset[str], bound: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """A token from ``encode_cursor`` back to an ``ExclusiveStartKey`` for this scope.

    Its key must be one DynamoDB could have given this listing: the listing's key names,
    each a valid string key, and ``bound`` (an index's key, say the status queried) as is.
    """
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as err:
        raise InvalidCursor("cursor is not one this API issued") from err
    if not (
        isinstance(payload, dict)
        and payload.get("v") == _VERSION
        and payload.get("s") == scope
        and isinstance(payload.get("k"), dict)
        and set(payload["k"]) == key_names
        and all(_is_key(value) for value in payload["k"].values())
        and all(payload["k"][name] == value for name, value in (bound or {}).items())
    ):
        raise InvalidCursor("cursor is not one this API issued for this listing")
    return {name: {"S": value} for name, value in payload["k"].items()}


def _is_key(value: Any) -> bool:
    try:
        check_key("cursor", value)
    except InvalidInput:
        return False
    return True
