"""Table access for the seed's two DynamoDB tables, shared by every Lambda function.

``from dynamo_tables import DynamoGeneralClass, SimpleTableClass, ComplexTableClass, GREEN, RED``
works as the seed document shows. This package knows nothing of HTTP: the layer's other
package, ``tables_api``, serves it over HTTP for the handlers, so scripts using the table
classes load neither it nor Powertools.
"""

# First: in a Lambda runtime, a cold start's imports run with the collector paused.
import dynamo_tables.init_pause  # noqa: F401
from dynamo_tables.base import DynamoGeneralClass
from dynamo_tables.client import CLIENT_CONFIG, default_client
from dynamo_tables.complex import GREEN, RED, ComplexTableClass
from dynamo_tables.errors import (
    AlreadyExists,
    ConfigurationError,
    DynamoTablesError,
    InvalidCursor,
    InvalidInput,
    InvalidPage,
    NotFound,
    PreconditionFailed,
    Throttled,
    Unavailable,
    VersionConflict,
)
from dynamo_tables.models import UNCONDITIONAL, Item, Page, Precondition, Record
from dynamo_tables.simple import SimpleTableClass
from dynamo_tables.write_tokens import WriteTokens

__all__ = [
    "CLIENT_CONFIG",
    "GREEN",
    "RED",
    "UNCONDITIONAL",
    "AlreadyExists",
    "ComplexTableClass",
    "ConfigurationError",
    "DynamoGeneralClass",
    "DynamoTablesError",
    "InvalidCursor",
    "InvalidInput",
    "InvalidPage",
    "Item",
    "NotFound",
    "Page",
    "Precondition",
    "PreconditionFailed",
    "Record",
    "SimpleTableClass",
    "Throttled",
    "Unavailable",
    "VersionConflict",
    "WriteTokens",
    "default_client",
]
