"""The request's own mistakes, which only HTTP can make: each is a 4xx (``problems.py``).

The tables' errors (``dynamo_tables.errors``) are mapped to answers in ``problems.py`` too.
"""


class BadRequest(Exception):
    """A request the API cannot read: malformed JSON, query or header (400)."""


class PayloadTooLarge(Exception):
    """A body over the documented limit (413)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key came with another request before (422)."""


class IdempotencyKeyInFlight(Exception):
    """A request with this Idempotency-Key is still running (409)."""
