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
from dynamo_tables.shapes import AttributeMap

_VERSION = 1


def encode_cursor(scope: str, last_key: AttributeMap | None) -> str | None:
    """``LastEvaluatedKey`` (string attributes only) to an opaque URL-safe token."""
    if not last_key:
        return None
    return _pack(scope, {name: value["S"] for name, value in last_key.items()})


def decode_cursor(
    scope: str, cursor: str | None, key_names: frozenset[str], bound: Mapping[str, str] | None = None
) -> AttributeMap | None:
    """A token from ``encode_cursor`` back to an ``ExclusiveStartKey`` for this scope.

    Its key must be one DynamoDB could have given this listing: the listing's key names,
    each a valid string key, and ``bound`` (an index's key, say the status queried) as is.
    """
    if cursor is None:
        return None
    key = _unpack(scope, cursor)
    if not (
        set(key) == key_names
        and all(_is_key(value) for value in key.values())
        and all(key[name] == value for name, value in (bound or {}).items())
    ):
        raise InvalidCursor("cursor is not one this API issued for this listing")
    return {name: {"S": value} for name, value in key.items()}


# A merged listing's position in each of its parts: after (sort key, id), or [] for one
# not begun. Parts left out are exhausted.
Positions = dict[int, tuple[str, str] | None]


def encode_positions(scope: str, positions: Positions) -> str | None:
    """The positions of a listing merged from ``parts`` Queries, as one opaque token;
    None once every part is exhausted."""
    if not positions:
        return None
    return _pack(scope, {str(part): list(after or ()) for part, after in sorted(positions.items())})


def decode_positions(scope: str, cursor: str | None, parts: int) -> Positions:
    """A token from ``encode_positions`` back to positions; no cursor: every part from its start."""
    if cursor is None:
        return dict.fromkeys(range(parts))
    key = _unpack(scope, cursor)
    if not (
        key
        and set(key) <= {str(part) for part in range(parts)}
        and all(isinstance(after, list) and len(after) in (0, 2) for after in key.values())
        and all(_is_key(value) for after in key.values() for value in after)
    ):
        raise InvalidCursor("cursor is not one this API issued for this listing")
    return {int(part): (after[0], after[1]) if after else None for part, after in key.items()}


def _pack(scope: str, key: dict[str, Any]) -> str:
    payload = json.dumps({"v": _VERSION, "s": scope, "k": key}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _unpack(scope: str, cursor: str) -> dict[str, Any]:
    """The key of a token this layer issued for ``scope``; anything else is an InvalidCursor."""
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
    ):
        raise InvalidCursor("cursor is not one this API issued for this listing")
    key: dict[str, Any] = payload["k"]
    return key


def _is_key(value: Any) -> bool:
    try:
        check_key("cursor", value)
    except InvalidInput:
        return False
    return True
