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

A request that is run again as a whole (an ``Idempotency-Key``'s retry) passes
``WriteTokens(seed)`` to the table methods it calls: its writes then take the same tokens
on every run, and recognise what an earlier run applied even when that run never learnt it had.
"""

import base64
import hashlib
import os
from typing import ClassVar

from dynamo_tables.shapes import AttributeMap, AttributeValue

RECENT = 16
NAMES = {f"#w{index}": f"W{index}" for index in range(RECENT)}


class WriteToken:
    """One write's token: 16 URL-safe characters, also a valid ``ClientRequestToken``."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    # The same for every token (only :token's value differs), so built once.
    assignments: ClassVar[list[str]] = [  # push this token in front; the oldest drops out
        "#w0 = :token",
        *(f"#w{index} = if_not_exists(#w{index - 1}, :no_token)" for index in range(RECENT - 1, 0, -1)),
    ]
    guard: ClassVar[str] = (  # the write has not been applied already
        "NOT (" + " OR ".join(f"#w{index} = :token" for index in range(RECENT)) + ")"
    )

    @property
    def values(self) -> dict[str, AttributeValue]:
        return {":token": {"S": self.value}, ":no_token": {"S": "-"}}

    def age_in(self, item: AttributeMap | None) -> int | None:
        """How many writes ago this one was applied to ``item`` (0: the latest), or None."""
        for index in range(RECENT):
            if (item or {}).get(f"W{index}", {}).get("S") == self.value:
                return index
        return None


class WriteTokens:
    """Where one request's write tokens come from, in the order its writes take them.

    ``WriteTokens()``: fresh random ones. ``WriteTokens(seed)``: derived from ``seed``, the
    same sequence on every run of the same request.
    """

    __slots__ = ("_given", "_seed")

    def __init__(self, seed: str | None = None) -> None:
        self._seed = seed
        self._given = 0

    def next_token(self) -> WriteToken:
        if self._seed is None:
            return WriteToken(base64.urlsafe_b64encode(os.urandom(12)).decode())
        self._given += 1
        digest = hashlib.sha256(f"{self._seed}#{self._given}".encode()).digest()
        return WriteToken(base64.urlsafe_b64encode(digest[:12]).decode())
