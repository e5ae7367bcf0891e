"""Writes that recognise their own retry.

botocore retries a write whose answer did not come back (a read timeout, a reset), and
DynamoDB may have applied the first attempt: an unconditional write would then count
twice, a conditional one fail on its own change. So each update stamps a fresh token on
the item, keeps the last ``RECENT`` tokens (``W0`` the newest, up to ``W15``), and holds
only if its token is not among them. The retry of an applied write fails that condition,
and the item image DynamoDB returns with the failure shows the token: the write happened,
``age`` writes ago. A write is recognised while fewer than ``RECENT`` others land on the
same item between it and its retry, and no delete (which takes the tokens with the item);
the README says what that costs (about 320 bytes an item) and where it stops.
"""

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

RECENT = 16
NAMES = {f"#w{index}": f"W{index}" for index in range(RECENT)}

# (seed, how many tokens it has given) while tokens_derived_from runs.
_SEED: ContextVar[tuple[str, list[int]] | None] = ContextVar("write_token_seed", default=None)


@contextmanager
def tokens_derived_from(seed: str) -> Iterator[None]:
    """Writes in this block take tokens derived from ``seed``, the same on every run of the
    same request (an ``Idempotency-Key``'s retry, say): such a write recognises the one an
    earlier run applied even when that run never learnt it had."""
    reset = _SEED.set((seed, [0]))
    try:
        yield
    finally:
        _SEED.reset(reset)


def _fresh() -> str:
    """16 characters; also a valid ClientRequestToken."""
    seeded = _SEED.get()
    if seeded is None:
        return base64.urlsafe_b64encode(os.urandom(12)).decode()
    seed, given = seeded
    given[0] += 1
    digest = hashlib.sha256(f"{seed}#{given[0]}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


class WriteToken:
    """One write's token; a fresh one unless ``value`` is given."""

    __slots__ = ("value",)

    def __init__(self, value: str | None = None) -> None:
        self.value = value if value is not None else _fresh()

    # The same for every token (only :token's value differs), so built once.
    assignments: ClassVar[list[str]] = [  # push this token in front; the oldest drops out
        "#w0 = :token",
        *(f"#w{index} = if_not_exists(#w{index - 1}, :no_token)" for index in range(RECENT - 1, 0, -1)),
    ]
    guard: ClassVar[str] = (  # the write has not been applied already
        "NOT (" + " OR ".join(f"#w{index} = :token" for index in range(RECENT)) + ")"
    )

    @property
    def values(self) -> dict[str, Any]:
        return {":token": {"S": self.value}, ":no_token": {"S": "-"}}

    def age_in(self, item: dict[str, Any] | None) -> int | None:
        """How many writes ago this one was applied to ``item`` (0: the latest), or None."""
        for index in range(RECENT):
            if (item or {}).get(f"W{index}", {}).get("S") == self.value:
                return index
        return None
