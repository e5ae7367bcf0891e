"""What a request says, read and checked before any table method runs.

A request the API cannot read is a ``BadRequest`` (400); a value it can read but that
breaks the documented limits is an ``InvalidInput`` (422), as the tables raise for theirs.
"""

import base64
import binascii
import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

from dynamo_tables.errors import InvalidInput
from dynamo_tables.limits import DEFAULT_PAGE_SIZE, MAX_VALUE_BYTES
from dynamo_tables.models import Precondition
from tables_api.errors import BadRequest, PayloadTooLarge
from tables_api.powertools import APIGatewayRestResolver

# A request body larger than this is refused whole (413). Its JSON text always outweighs
# the stored value, so every body accepted holds a value the tables take.
MAX_BODY_BYTES = MAX_VALUE_BYTES
# Keys and ids in paths: the API's documented limit, half of what DynamoDB takes.
MAX_KEY_BYTES = 1024
MAX_IDEMPOTENCY_KEY_LENGTH = 255

# One member of an entity-tag list: an optional tag (W/"3" or "3"), then "," or the end.
_LIST_MEMBER = re.compile(r'\s*(?:(W/)?"([^"]*)")?\s*(?:,|$)')
_INTEGER = re.compile(r"[0-9]{1,18}")
_HEADERS = "tables_api.headers"  # the request's context entry header() keeps


def check_route_key(name: str, value: str | None) -> str:
    """A key or id from the path, within the API's documented limits (the tables take more).

    Raises:
        BadRequest: the path has no such parameter.
        InvalidInput: it holds a control character or is over ``MAX_KEY_BYTES``.
    """
    if value is None:
        raise BadRequest(f"path parameter {name!r} is missing")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput(name, "must not contain control characters")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidInput(name, f"must be at most {MAX_KEY_BYTES} bytes in UTF-8")
    return value


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    """A header's value without surrounding blanks; an empty one counts as absent.

    The event's headers are made case-insensitive once a request, in its context (which
    Powertools clears after each): ``current_event.headers`` makes them anew on each read.
    """
    headers = app.context.get(_HEADERS)
    if headers is None:
        headers = app.context[_HEADERS] = app.current_event.headers
    value = headers.get(name)
    return value.strip() or None if value is not None else None


def query_parameter(app: APIGatewayRestResolver, name: str) -> str | None:
    return (app.current_event.query_string_parameters or {}).get(name)


def page_request(app: APIGatewayRestResolver) -> tuple[int, str | None]:
    """``limit`` (an integer, checked by the tables) and ``cursor`` from the query string.

    Raises:
        BadRequest: ``limit`` is not an integer.
    """
    limit_text = query_parameter(app, "limit")
    if limit_text is None:
        limit = DEFAULT_PAGE_SIZE
    elif _INTEGER.fullmatch(limit_text):
        limit = int(limit_text)
    else:
        raise BadRequest("limit must be an integer from 1 to 100")
    return limit, query_parameter(app, "cursor")


def json_object_body(
    app: APIGatewayRestResolver, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The body as a JSON object with exactly these members; their values are checked later.

    Raises:
        BadRequest: the body is missing, not base64 when it says so, not UTF-8, not JSON,
            or nested too deeply to read.
        PayloadTooLarge: it is over ``MAX_BODY_BYTES``.
        InvalidInput: it is not an object, lacks a required member, has another, or a null.
    """
    text = _body_text(app)
    try:
        body = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except ValueError as err:
        raise BadRequest(f"the request body is not valid JSON: {err}") from err
    except RecursionError as err:
        raise BadRequest("the request body is nested too deeply to read") from err
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    for name in required:
        if name not in body:
            raise InvalidInput(name, "is required")
    for name, value in body.items():
        if name not in required and name not in optional:
            raise InvalidInput(name, "is not allowed")
        if value is None:  # leave a member out instead; null is no member's type
            raise InvalidInput(name, "must not be null")
    return body


def write_precondition(app: APIGatewayRestResolver) -> Precondition:
    """``If-Match`` and ``If-None-Match`` as one precondition DynamoDB checks atomically.

    As RFC 9110 says: If-Match uses strong comparison, If-None-Match weak; both may be
    sent and both must hold; an empty header is no precondition.

    Raises:
        BadRequest: a header is neither ``*`` nor a list of entity tags.
    """
    if_match = header(app, "If-Match")
    if_none_match = header(app, "If-None-Match")
    versions: tuple[int, ...] = ()
    none_match_versions: tuple[int, ...] = ()
    if if_match is not None and if_match != "*":
        # Weak tags and tags this API never issues match no version, and version 0
        # never exists, so such a request fails its precondition (412).
        tags = _entity_tags("If-Match", if_match)
        versions = tuple(int(opaque) for weak, opaque in tags if not weak and _INTEGER.fullmatch(opaque)) or (
            0,
        )
    if if_none_match is not None and if_none_match != "*":
        tags = _entity_tags("If-None-Match", if_none_match)
        none_match_versions = tuple(int(opaque) for _, opaque in tags if _INTEGER.fullmatch(opaque))
    return Precondition(
        versions=versions,
        must_exist=if_match == "*",
        must_not_exist=if_none_match == "*",
        none_match_versions=none_match_versions,
    )


def matches_none_match(app: APIGatewayRestResolver, version: int) -> bool:
    """Whether a GET's ``If-None-Match`` names this version (weak comparison): 304.

    Raises:
        BadRequest: the header is neither ``*`` nor a list of entity tags.
    """
    value = header(app, "If-None-Match")
    if value is None:
        return False
    if value == "*":
        return True
    return any(opaque == str(version) for _, opaque in _entity_tags("If-None-Match", value))


def _body_text(app: APIGatewayRestResolver) -> str:
    """The body as text, checked for size and UTF-8 on its bytes.

    The API declares every media type binary, so API Gateway hands bodies over in base64
    and bytes that are not UTF-8 reach this check (a 400) instead of breaking on the way.
    """
    event = app.current_event
    raw = event.body or ""
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(raw, validate=True)
        except binascii.Error as err:
            raise BadRequest("the request body is not valid base64") from err
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if not data:
        raise BadRequest("a JSON request body is required")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body must be at most {MAX_BODY_BYTES} bytes")
    if not event.is_base64_encoded:
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest("the request body is not UTF-8 text") from err


def _entity_tags(name: str, value: str) -> list[tuple[bool, str]]:
    """A comma-separated list of entity tags; commas inside quotes belong to the tag."""
    tags = []
    position = 0
    while position < len(value):
        match = _LIST_MEMBER.match(value, position)
        if match is None or match.end() == position:
            raise BadRequest(f'{name} must be "*" or a list of entity tags such as "3"')
        if match.group(2) is not None:
            tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
