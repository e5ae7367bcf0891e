"""The answers a route gives: JSON with exact numbers, empty ones, and their headers."""

import json
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from tables_api.powertools import APIGatewayRestResolver, Response

JSON = "application/json"


def json_response(
    body: Any, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=dumps(body), headers=headers)


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, body="", headers=headers)


def etag(version: int) -> str:
    return f'"{version}"'


def location(app: APIGatewayRestResolver, *segments: str) -> str:
    """The URL path of a resource, with the stage prefix when the API is deployed."""
    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    context = app.current_event.request_context
    stage = context.stage
    if stage and (context.path or "").startswith(f"/{stage}/"):
        path = f"/{stage}{path}"
    return path


_TEXT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON in which a ``Decimal`` is written digit for digit.

    ``json.dumps`` knows no Decimal and would need it turned into a float first, which
    keeps 17 significant digits of DynamoDB's 38. So json's own (C) encoder writes what
    holds none, the usual case (integers come back as ``int``), and anything else is
    written here.
    """
    try:
        return _COMPACT.encode(value)
    except TypeError:  # a Decimal (or a type JSON has not, refused below as before)
        return _exact(value)


def _exact(value: Any) -> str:
    if isinstance(value, str):
        return _TEXT.encode(value)
    if isinstance(value, dict):
        members = (f"{_TEXT.encode(name)}:{_exact(member)}" for name, member in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact(member) for member in value) + "]"
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    return _TEXT.encode(value)  # None, booleans, ints and floats as json writes them
