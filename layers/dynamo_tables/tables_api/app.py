"""The resolver every handler builds at cold start, with the API's rules for every route.

Routes receive their keys as API Gateway decoded them; every answer is counted
(``metrics.py``); every error becomes an RFC 9457 problem (``problems.py``); a write with
an ``Idempotency-Key`` runs once per key (``idempotency.py``).
"""

import inspect
import os
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from dynamo_tables import deadline
from dynamo_tables.errors import Throttled, Unavailable
from dynamo_tables.init_pause import resume as resume_collector
from dynamo_tables.settings import table_name_from
from dynamo_tables.write_tokens import WriteTokens
from tables_api.callers import caller_of
from tables_api.errors import BadRequest
from tables_api.log import logger
from tables_api.metrics import count_request, note
from tables_api.parsing import MAX_IDEMPOTENCY_KEY_LENGTH, check_route_key, header
from tables_api.powertools import APIGatewayRestResolver, CORSConfig, NotFoundError, Response
from tables_api.problems import CLIENT_ERRORS, client_error_answer, problem
from tables_api.startup import prepare_runtime

if TYPE_CHECKING:  # at run time, importing it would load the whole event_handler package
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

RETRY_AFTER_SECONDS = 2
# A request's DynamoDB attempts end within this much of its start (deadline.py), and at
# least ANSWER_SECONDS before its function's timeout: 1 s to answer a 503, and 2 s for the
# SDK's longest back-off, which may have begun just before the deadline.
REQUEST_SECONDS = 9.0
ANSWER_SECONDS = 3.0
# What a page on an allowed origin may send and read (template parameter CorsAllowedOrigins).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "X-Api-Key",
    "X-Amz-Content-Sha256",
    "X-Amz-Date",
    "X-Amz-Security-Token",
]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After"]
_WRITES = frozenset({"PUT", "PATCH", "DELETE"})
_WRITE_TOKENS = "write_tokens"  # the request's context entry idempotency.py sets
Route = TypeVar("Route", bound=Callable[..., Any])


class _Resolver(APIGatewayRestResolver):
    """Powertools' REST resolver for the template's greedy routes, ``/items/{key+}``.

    A ``<name>`` in a rule matches the rest of the path, slashes included, and the route
    receives the path parameter as API Gateway decoded it, once. ``event.path`` cannot
    serve: its percent-encoding differs between API Gateway and SAM CLI's emulation, the
    parameters' does not. A rule is a regular expression to Powertools, which its
    documentation's catch-all routes (``.+``) rely on.
    """

    def __init__(self, cors: CORSConfig | None = None) -> None:
        super().__init__(cors=cors)
        self._varies_by_origin = cors is not None

    def route(  # Powertools' own options pass through, by their names
        self, rule: str, method: str | list[str] | tuple[str], *args: Any, **kwargs: Any
    ) -> Callable[[Route], Route]:
        names = re.findall(r"<(\w+)>", rule)
        # DOTALL: a key may hold any character, a newline too (refused later, by its rules).
        options = inspect.signature(super().route).bind(
            re.sub(r"<\w+>", "(?s:.+)", rule), method, *args, **kwargs
        )
        # The route's own middleware, not the app's: a path no route serves stays a plain 404.
        # One, not one per rule: each costs every request a frame of Powertools' middleware stack.
        options.arguments["middlewares"] = [
            _route_rules(names),
            *(options.arguments.get("middlewares") or []),
        ]
        register = super().route(*options.args, **options.kwargs)

        def decorator(route: Route) -> Route:
            def with_path_parameters() -> Any:
                decoded = self.current_event.path_parameters or {}
                return route(**{name: decoded.get(name) for name in names})  # checked: _route_rules

            with_path_parameters.__name__ = route.__name__
            register(with_path_parameters)
            return route

        return decorator

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """As Powertools resolves it; a HEAD answer is GET's status and headers, never a
        body. The caller is a key of every log record; every answer is counted under its
        route (``metrics.py``), and varies by ``Origin`` when CORS is on."""
        resume_collector()  # if no table class ended a cold start's pause, the first request does
        logger.append_keys(caller=caller_of(event))  # None, for an anonymous request, drops it
        with deadline.within(request_seconds(context)):
            response: dict[str, Any] = super().resolve(event, context)
        if event.get("httpMethod") == "HEAD":
            response["body"] = ""
        if self._varies_by_origin:  # the answer's CORS headers depend on the request's Origin
            response.setdefault("multiValueHeaders", {})["Vary"] = ["Origin"]
        route = f"{event.get('httpMethod')} {event.get('resource')}"
        count_request(route, response["statusCode"], getattr(context, "function_name", None))
        return response


def create_app() -> APIGatewayRestResolver:
    """A resolver with every domain exception mapped to its problem response.

    Raises:
        ConfigurationError: ``IDEMPOTENCY_TABLE_NAME`` is not set (checked at cold start,
            though only a request with the header uses it).
    """
    prepare_runtime()
    table_name_from("IDEMPOTENCY_TABLE_NAME")
    app = _Resolver(cors=cors_config())

    @app.exception_handler([kind for kind, _ in CLIENT_ERRORS])
    def client_error(error: Exception) -> Response[str] | None:
        return client_error_answer(error)

    @app.exception_handler(Unavailable)
    def unavailable(error: Unavailable) -> Response[str]:
        logger.warning("DynamoDB unavailable", extra={"reason": str(error)})
        if isinstance(error, Throttled):
            note("Throttles")
        # A keyed write's in-progress record may outlive this answer (idempotency.py): a
        # retry is served once it has expired.
        retry_after = max(RETRY_AFTER_SECONDS, getattr(error, "retry_after", 0))
        return problem(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "the database is busy or unreachable; retry later",
            headers={"Retry-After": str(retry_after)},
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


def request_seconds(context: Any) -> float:
    """How long a request's DynamoDB calls may take, all of them: ``REQUEST_SECONDS``, less
    when the function has less time left (a context without the method: no Lambda's limit)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return REQUEST_SECONDS
    return min(REQUEST_SECONDS, float(remaining()) / 1000 - ANSWER_SECONDS)


def cors_config() -> CORSConfig | None:
    """CORS for the origins in ``CORS_ALLOWED_ORIGINS`` (comma-separated; template parameter
    ``CorsAllowedOrigins``), or None, the default: no CORS header on any answer. An allowed
    ``Origin`` is echoed with the headers a page may send and read; any other gets none."""
    origins = [origin.strip() for origin in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",")]
    origins = [origin for origin in origins if origin]
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=600,
    )


def write_tokens(app: APIGatewayRestResolver) -> WriteTokens | None:
    """Where this request's writes take their tokens: from its ``Idempotency-Key`` when it
    carries one (``idempotency.py`` derives them), so a retried request's writes recognise
    an earlier run's; None, fresh ones, otherwise. Pass it to the table method that writes."""
    tokens = app.context.get(_WRITE_TOKENS)
    return tokens if isinstance(tokens, WriteTokens) else None


def _route_rules(
    names: list[str],
) -> Callable[[APIGatewayRestResolver, "NextMiddleware"], Response[str]]:
    """A route's middleware: each of its path parameters is a key or id, refused (400 when
    missing, 422 when out of bounds) before the route runs and before any Idempotency-Key
    is kept; then a write runs once per key (``_idempotent_writes``)."""

    def route_rules(app: APIGatewayRestResolver, next_middleware: "NextMiddleware") -> Response[str]:
        decoded = app.current_event.path_parameters or {}
        for name in names:
            check_route_key(name, decoded.get(name))
        return _idempotent_writes(app, next_middleware)

    return route_rules


def _idempotent_writes(app: APIGatewayRestResolver, next_middleware: "NextMiddleware") -> Response[str]:
    """A write with an ``Idempotency-Key`` runs once per key and request (see idempotency.py).

    Without the header nothing more happens: that module, Powertools' idempotency utility
    and its table are not even loaded.
    """
    key = header(app, "Idempotency-Key")
    if key is None or app.current_event.http_method not in _WRITES:
        return next_middleware(app)
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    from tables_api.idempotency import answer_once

    def run(tokens: WriteTokens) -> Response[Any]:
        app.context[_WRITE_TOKENS] = tokens  # read by write_tokens(app), in the route
        return next_middleware(app)

    return answer_once(app, key, run)
