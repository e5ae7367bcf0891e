"""Domain exceptions: what the table classes raise instead of botocore errors.

The table classes translate DynamoDB's errors into these at one edge (``calls.py``); a
caller maps them to its own answers at the other (the layer's ``tables_api`` to HTTP problems).
"""


class DynamoTablesError(Exception):
    """Base of every error the layer raises on purpose."""


class NotFound(DynamoTablesError):
    """The key or id names no item."""


class PreconditionFailed(DynamoTablesError):
    """A conditional write's condition did not hold."""


class VersionConflict(PreconditionFailed):
    """The record's version is not the one the caller expected (``If-Match``)."""


class AlreadyExists(PreconditionFailed):
    """A create-only write found the record already there (``If-None-Match: *``)."""


class InvalidInput(DynamoTablesError):
    """A value breaks the documented limits; refused before DynamoDB is called."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidPage(DynamoTablesError):
    """A page request this layer cannot serve: a ``limit`` out of range or a bad cursor."""


class InvalidCursor(InvalidPage):
    """A pagination cursor that this layer did not issue for this listing."""


class Unavailable(DynamoTablesError):
    """DynamoDB throttled, failed or did not answer in time, after the SDK's retries."""


class DeadlinePassed(Unavailable):
    """The piece of work this call belongs to has no time left for it (``deadline.py``)."""


class Throttled(Unavailable):
    """DynamoDB refused for capacity (throttling), after the SDK's retries: counted apart,
    because the answer to it is capacity, not a fix."""


class ConfigurationError(DynamoTablesError):
    """A setting template.yaml provides is missing or malformed; raised when a table class
    is built, so a function fails its cold start naming the variable."""
