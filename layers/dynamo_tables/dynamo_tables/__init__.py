"""Table access for the seed's two DynamoDB tables, shared by every Lambda function.

``from dynamo_tables import DynamoGeneralClass, SimpleTableClass, ComplexTableClass, GREEN, RED``
works as the seed document shows. HTTP plumbing lives in ``dynamo_tables.http``, imported
only by the handlers, so scripts using the table classes do not load Powertools.
"""

from dynamo_tables.base import CLIENT_CONFIG, DynamoGeneralClass, default_client
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
    "default_client",
]
