"""The request's own mistakes, which only HTTP can make: each is a 4xx (``problems.py``).

The tables' errors (``dynamo_tables.errors``) are mapped to answers in ``problems.py`` too.
"""

from dynamo_tables.errors import Unavailable


class BadRequest(Exception):
    """A request the API cannot read: malformed JSON, query or header (400)."""


class PayloadTooLarge(Exception):
    """A body over the documented limit (413)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key came with another request before (422)."""


class IdempotencyKeyInFlight(Exception):
    """A request with this Idempotency-Key is still running (409); it has ended, at the
    latest, in ``retry_after`` seconds (its answer's ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableUntil(Unavailable):
    """DynamoDB failed a write with an Idempotency-Key whose in-progress record may stay
    until its deadline: the same key is served again ``retry_after`` seconds from now (503)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
