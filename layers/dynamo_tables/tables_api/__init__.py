"""The HTTP side of the layer: what every handler uses to read a request, call one table
method and shape the answer (API Gateway REST proxy events; RFC 9457 problems).

It uses ``dynamo_tables``, which knows nothing of it. A handler needs only these names::

    app = create_app()
    items = SimpleTableClass()

    @app.put("/items/<key>")
    def put_item(key: str) -> Response[str]:
        body = json_object_body(app, required=("value",))
        item, created = items.put_value(key, body["value"], write_tokens(app))
        ...
"""

# First, so that Powertools' event handler is imported lean (see powertools.py).
import tables_api.powertools  # noqa: F401

# isort: split
# Powertools' names a handler needs, from here so that a handler imports the layer first: then
# the whole cold start runs with the collector paused (dynamo_tables/init_pause.py); before, a
# collection fell due in Powertools' first import (its lambda_context module, docs/PERFORMANCE.md).
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tables_api.app import create_app, write_tokens
from tables_api.log import logger
from tables_api.parsing import (
    json_object_body,
    matches_none_match,
    page_request,
    query_parameter,
    write_precondition,
)
from tables_api.powertools import Response  # first: it keeps a cold start's Powertools imports lean
from tables_api.problems import problem
from tables_api.responses import empty_response, etag, json_response, location

__all__ = [
    "LambdaContext",
    "Response",
    "correlation_paths",
    "create_app",
    "empty_response",
    "etag",
    "json_object_body",
    "json_response",
    "location",
    "logger",
    "matches_none_match",
    "page_request",
    "problem",
    "query_parameter",
    "write_precondition",
    "write_tokens",
]
