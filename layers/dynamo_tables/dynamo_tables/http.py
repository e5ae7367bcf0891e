"""HTTP plumbing shared by every handler, so each handler stays a few lines long.

One resolver factory, one logger, and one set of exception handlers that turn the
layer's domain exceptions into RFC 9457 problem responses (``application/problem+json``).
"""

import base64
import binascii
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aws_lambda_powertools import Logger

from dynamo_tables.errors import (
    InvalidInput,
    InvalidPage,
    NotFound,
    PreconditionFailed,
    Throttled,
    Unavailable,
)
from dynamo_tables.lean_imports import defer_package_init
from dynamo_tables.limits import DEFAULT_PAGE_SIZE, MAX_BODY_BYTES
from dynamo_tables.metrics import count_request, note
from dynamo_tables.models import Precondition
from dynamo_tables.settings import table_name_from

# Only the REST resolver and the event classes it reads, on a cold start.
defer_package_init("aws_lambda_powertools.event_handler")
defer_package_init("aws_lambda_powertools.utilities.data_classes")

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import Response as Response  # noqa: E402 - for handlers
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402

if TYPE_CHECKING:  # at run time, importing it would load the whole event_handler package
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME, set by the template

# The template's Tracing parameter: only when it is Active does a cold start load the X-Ray
# SDK, which then makes every botocore call (every DynamoDB request) a subsegment.
if os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() == "false":
    from aws_lambda_powertools import Tracer

    Tracer(patch_modules=["botocore"])

if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":  # Lambda's SnapStart INIT
    from dynamo_tables.base import default_client
    from dynamo_tables.snapstart import register_hooks

    register_hooks(default_client())

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 2
# Keys and ids in paths: the API's documented limit, half of what DynamoDB takes.
MAX_KEY_BYTES = 1024
MAX_IDEMPOTENCY_KEY_LENGTH = 255

# RFC 9110's reason phrases, fixed here: Python 3.11 (this host) and 3.13 (Lambda)
# disagree on some of them ("Unprocessable Entity" / "Unprocessable Content").
_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    412: "Precondition Failed",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# One member of an entity-tag list: an optional tag (W/"3" or "3"), then "," or the end.
_LIST_MEMBER = re.compile(r'\s*(?:(W/)?"([^"]*)")?\s*(?:,|$)')
_INTEGER = re.compile(r"[0-9]{1,18}")


class BadRequest(Exception):
    """A request the API cannot read: malformed JSON, query or header (400)."""


class PayloadTooLarge(Exception):
    """A body over the documented limit (413)."""


class _GreedyRouteResolver(APIGatewayRestResolver):
    """A REST resolver for the template's greedy routes, ``/items/{key+}``.

    A ``<name>`` matches the rest of the path, slashes included, and the route receives
    the path parameter as API Gateway decoded it, once. ``event.path`` cannot serve: its
    percent-encoding differs between API Gateway and SAM CLI's emulation, the parameters'
    does not. Powertools overrides these two hooks itself; ``tests/unit/test_http.py``
    pins both.
    """

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}/*$") -> re.Pattern[str]:
        # DOTALL: a key may hold any character, a newline too (refused later, by its rules).
        return re.compile(base_regex.format(re.sub(r"<(\w+)>", r"(?P<\1>.+)", rule)), re.DOTALL)

    def _convert_matches_into_route_keys(self, match: re.Match[str]) -> dict[str, Any]:
        decoded = self.current_event.path_parameters or {}
        return {name: decoded.get(name) for name in match.groupdict()}

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """As Powertools resolves it; a HEAD answer is GET's status and headers, never a
        body. Every answer is counted under its route (dynamo_tables.metrics)."""
        response: dict[str, Any] = super().resolve(event, context)
        if event.get("httpMethod") == "HEAD":
            response["body"] = ""
        route = f"{event.get('httpMethod')} {event.get('resource')}"
        count_request(route, response["statusCode"], getattr(context, "function_name", None))
        return response


def check_route_key(name: str, value: str | None) -> str:
    """A key or id from the path, within the API's documented limits (the tables take more)."""
    if value is None:
        raise BadRequest(f"path parameter {name!r} is missing")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput(name, "must not contain control characters")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidInput(name, f"must be at most {MAX_KEY_BYTES} bytes in UTF-8")
    return value


def _check_route_keys(app: APIGatewayRestResolver, next_middleware: "NextMiddleware") -> Response[str]:
    """Every route argument is a key or id: refused (422) before the route runs.

    Powertools puts them in ``app.context["_route_args"]`` before any middleware runs, as
    its own validation middleware reads them.
    """
    for name, value in app.context.get("_route_args", {}).items():
        check_route_key(name, value)
    return next_middleware(app)


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key came with another request before (422)."""


class IdempotencyKeyInFlight(Exception):
    """A request with this Idempotency-Key is still running (409)."""


# The client's mistakes, each with its status: answers worth keeping for an Idempotency-Key.
_CLIENT_ERRORS: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (InvalidInput, HTTPStatus.UNPROCESSABLE_ENTITY),
    (IdempotencyKeyReused, HTTPStatus.UNPROCESSABLE_ENTITY),
    (BadRequest, HTTPStatus.BAD_REQUEST),
    (InvalidPage, HTTPStatus.BAD_REQUEST),
    (PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (NotFound, HTTPStatus.NOT_FOUND),
    (PreconditionFailed, HTTPStatus.PRECONDITION_FAILED),
    (IdempotencyKeyInFlight, HTTPStatus.CONFLICT),
)


def client_error_answer(error: Exception) -> Response[str] | None:
    """The problem answering a client's mistake, or None for anything else."""
    for kind, status in _CLIENT_ERRORS:
        if isinstance(error, kind):
            return problem(status, str(error))
    return None


_WRITES = frozenset({"PUT", "PATCH", "DELETE"})


def _idempotent_writes(app: APIGatewayRestResolver, next_middleware: "NextMiddleware") -> Response[str]:
    """A write with an ``Idempotency-Key`` runs once per key and request (see idempotency.py).

    Without the header nothing more happens: that module, Powertools' idempotency utility
    and its table are not even loaded.
    """
    key = _header(app, "Idempotency-Key")
    if key is None or app.current_event.http_method not in _WRITES:
        return next_middleware(app)
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    from dynamo_tables.idempotency import answer_once

    return answer_once(app, key, lambda: next_middleware(app))


def create_app() -> APIGatewayRestResolver:
    """A resolver with every domain exception mapped to its problem response."""
    table_name_from("IDEMPOTENCY_TABLE_NAME")  # checked at cold start, used only with the header
    app = _GreedyRouteResolver()
    app.use([_check_route_keys, _idempotent_writes])

    @app.exception_handler([kind for kind, _ in _CLIENT_ERRORS])
    def client_error(error: Exception) -> Response[str] | None:
        return client_error_answer(error)

    @app.exception_handler(Unavailable)
    def unavailable(error: Unavailable) -> Response[str]:
        logger.warning("DynamoDB unavailable", extra={"reason": str(error)})
        if isinstance(error, Throttled):
            note("Throttles")
        return problem(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "the database is busy or unreachable; retry later",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.not_found
    def no_route(error: NotFoundError) -> Response[str]:
        return problem(HTTPStatus.NOT_FOUND, "no such resource")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        # Logged loudly with its traceback; the client gets nothing internal.
        logger.exception("unhandled error")
        return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred")

    return app


# --- responses ---------------------------------------------------------------------


def json_response(
    body: Any, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=_dumps(body), headers=headers)


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, body="", headers=headers)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[str]:
    """An RFC 9457 problem: ``about:blank`` with the status phrase as its title."""
    title = _TITLES.get(int(status)) or HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": title, "status": int(status), "detail": detail}
    return Response(status_code=status, content_type=PROBLEM_JSON, body=_dumps(body), headers=headers)


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


# --- requests ----------------------------------------------------------------------


def query_parameter(app: APIGatewayRestResolver, name: str) -> str | None:
    return (app.current_event.query_string_parameters or {}).get(name)


def page_request(app: APIGatewayRestResolver) -> tuple[int, str | None]:
    """``limit`` (an integer, checked by the layer) and ``cursor`` from the query string."""
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
    """The body as a JSON object with exactly these members; their values are checked later."""
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


def write_precondition(app: APIGatewayRestResolver) -> Precondition:
    """``If-Match`` and ``If-None-Match`` as one precondition DynamoDB checks atomically.

    As RFC 9110 says: If-Match uses strong comparison, If-None-Match weak; both may be
    sent and both must hold; an empty header is no precondition.
    """
    if_match = _header(app, "If-Match")
    if_none_match = _header(app, "If-None-Match")
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
    """Whether a GET's ``If-None-Match`` names this version (weak comparison): 304."""
    header = _header(app, "If-None-Match")
    if header is None:
        return False
    if header == "*":
        return True
    return any(opaque == str(version) for _, opaque in _entity_tags("If-None-Match", header))


def _header(app: APIGatewayRestResolver, name: str) -> str | None:
    """A header's value without surrounding blanks; an empty one counts as absent."""
    value = app.current_event.headers.get(name)
    return value.strip() or None if value is not None else None


def _entity_tags(header: str, value: str) -> list[tuple[bool, str]]:
    """A comma-separated list of entity tags; commas inside quotes belong to the tag."""
    tags = []
    position = 0
    while position < len(value):
        match = _LIST_MEMBER.match(value, position)
        if match is None or match.end() == position:
            raise BadRequest(f'{header} must be "*" or a list of entity tags such as "3"')
        if match.group(2) is not None:
            tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_TEXT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _dumps(value: Any) -> str:
    """Compact JSON in which a ``Decimal`` is written digit for digit.

    ``json.dumps`` knows no Decimal and would need it turned into a float first, which
    keeps 17 significant digits of DynamoDB's 38.
    """
    if isinstance(value, str):
        return _TEXT.encode(value)
    if isinstance(value, dict):
        members = (f"{_TEXT.encode(name)}:{_dumps(member)}" for name, member in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps(member) for member in value) + "]"
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    return _TEXT.encode(value)  # None, booleans, ints and floats as json writes them
