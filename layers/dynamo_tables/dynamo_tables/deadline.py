"""One deadline for every DynamoDB call of one piece of work (an API request, say).

botocore bounds each call on its own (``client.py``: attempts x timeouts + back-off). A
piece of work that makes several calls in a row, as a write with an ``Idempotency-Key``
makes three, would add their bounds up and could outlast its Lambda function. Under
``within(seconds)`` its calls share one deadline instead: an attempt starts only if its
connect and read timeouts end before it, and an attempt refused fails its call with
``DeadlinePassed``, an ``Unavailable``, which botocore does not retry. So the last attempt
has ended by the deadline, and the call gives up at most one back-off (2 s) after it. The
timeouts bound each wait for the network, not an answer trickled in slowly: Lambda's own
timeout is the bound of last resort there. Outside ``within`` nothing changes.

The deadline is a context variable: each thread of a piece of work that starts threads
(``status_index.py``) runs in a copy of its context.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from dynamo_tables.errors import DeadlinePassed

_ENDS_AT: ContextVar[float | None] = ContextVar("dynamodb_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every DynamoDB attempt made inside the block ends within ``seconds`` of its start."""
    token = _ENDS_AT.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _ENDS_AT.reset(token)


def seconds_left() -> float | None:
    """Time left before the deadline (negative once passed), or None outside ``within``."""
    ends_at = _ENDS_AT.get()
    return None if ends_at is None else ends_at - time.monotonic()


def attempt_guard(attempt_seconds: float) -> Callable[..., None]:
    """A botocore ``before-send`` handler refusing an attempt that could end past the deadline
    (``attempt_seconds``: its connect and read timeouts)."""

    def refuse_late_attempt(**_: Any) -> None:
        left = seconds_left()
        if left is not None and left < attempt_seconds:
            raise DeadlinePassed(
                f"{max(left, 0):.1f} s left of the deadline, an attempt may take {attempt_seconds} s"
            )

    return refuse_late_attempt
