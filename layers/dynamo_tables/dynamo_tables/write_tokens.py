"""Writes that recognise their own retry.

botocore retries a write whose answer did not come back (a read timeout, a reset), and
DynamoDB may have applied the first attempt: an unconditional write would then count
twice, a conditional one fail on its own change. So each update stamps a fresh token on
the item, keeps the last ``RECENT`` tokens (``W0`` the newest, up to ``W7``), and holds
only if its token is not among them. The retry of an applied write fails that condition,
and the item image DynamoDB returns with the failure shows the token: the write happened,
``age`` writes ago. A write is recognised while fewer than ``RECENT`` others land on the
same item between it and its retry, and no delete (which takes the tokens with the item).

A request that is run again as a whole (an ``Idempotency-Key``'s retry) passes
``WriteTokens(seed)`` to the table methods it calls: its writes then take the same tokens
on every run, and recognise what an earlier run applied even when that run never learnt it had.

What the tokens may cost, by DynamoDB's item-size rule (each attribute its name's UTF-8
plus its value: a string's UTF-8, a binary's bytes, a number one byte per two digits plus
one; ``status_index.item_size``). A write unit is 1,024 bytes; a record whose seed
attributes (id, status, time) and ``Data`` are up to 900 bytes leaves 124 for what the
layer adds, each at its largest:

- ``Version``: 7 + 9 = 16 bytes, a number of up to 16 digits (one more each write: at the
  1,000 writes a second a partition takes, 10**16 is 300,000 years away);
- ``AttributeTwoShard`` (with ``StatusIndexShards``): 17 + 11 = 28 bytes, ``<status>#<shard>``
  for a status of up to 8 characters and a shard up to 31;
- ``Creator`` (items of the simple table; records have none): 7 + 16 = 23 bytes, a token
  from before (this version writes 8 bytes);
- a slot: 2 + 8 = 10 bytes, ``W0`` to ``W9`` and an 8-byte Binary token.

A record: 124 - 16 - 28 = 80 bytes, 8 slots exactly; an item: 124 - 23 = 101, 10 slots. So
``RECENT`` is 8, and such an item is 1 KB at most: one write unit an update, and one for
each write to its index copy (``tests/integration/test_write_units.py``). Each character a
status has beyond 8 takes one byte from the 900. A slot not yet used holds an empty
Binary (its name's 2 bytes).

Items written before (``RECENT_BEFORE`` string tokens of 16 characters, and a string
``Creator``) lose the slots beyond ``RECENT`` on their next write. A seeded token is also
looked for as the text that version derived from the same seed, in all its slots and in
``Creator``, so that a keyed retry whose first run ran on that version recognises its
write; that text is also its ``value``, the ``ClientRequestToken`` of a delete, as it was.
A random token is only ever retried by botocore within one invocation, so it has none.
"""

import base64
import hashlib
import os
from typing import ClassVar

from dynamo_tables.shapes import AttributeMap, AttributeValue

RECENT = 8
RECENT_BEFORE = 16  # the slots of items written before tokens were 8-byte binaries
TOKEN_BYTES = 8
CREATOR = "Creator"  # the simple table's: the token of the write that created the item
NAMES = {f"#w{index}": f"W{index}" for index in range(RECENT_BEFORE)}

_WINDOW = "(" + ", ".join(f"#w{index}" for index in range(RECENT)) + ")"
_SLOTS_BEFORE = "(" + ", ".join(f"#w{index}" for index in range(RECENT_BEFORE)) + ")"


class WriteToken:
    """One write's token: ``TOKEN_BYTES`` bytes, kept on the item as a Binary.

    ``before``: for a token derived from a seed, the text the version before derived from
    it; ``value``: text for a ``ClientRequestToken`` (``before``, else the token in base64).
    """

    __slots__ = ("before", "token", "value")

    def __init__(self, token: bytes, before: str | None = None) -> None:
        self.token = token
        self.before = before
        self.value = before or base64.urlsafe_b64encode(token).decode()

    # The same for every token (only :token's value differs), so built once.
    assignments: ClassVar[list[str]] = [  # push this token in front; the oldest drops out
        "#w0 = :token",
        *(f"#w{index} = if_not_exists(#w{index - 1}, :no_token)" for index in range(RECENT - 1, 0, -1)),
    ]
    removals: ClassVar[list[str]] = [f"#w{index}" for index in range(RECENT, RECENT_BEFORE)]
    _pushes: ClassVar[str] = ", ".join(assignments)
    _drops: ClassVar[str] = ", ".join(removals)
    _guard: ClassVar[str] = f"NOT (:token IN {_WINDOW})"
    _guard_before: ClassVar[str] = f"NOT (:token IN {_WINDOW} OR :before IN {_SLOTS_BEFORE})"

    def update(self, assignments: list[str], removals: list[str]) -> str:
        """An UpdateExpression of ``assignments`` and ``removals`` that also pushes this token."""
        return f"SET {', '.join([*assignments, self._pushes])} REMOVE {', '.join([*removals, self._drops])}"

    @property
    def guard(self) -> str:
        """The condition that the write has not been applied already."""
        return self._guard if self.before is None else self._guard_before

    @property
    def values(self) -> dict[str, AttributeValue]:
        values: dict[str, AttributeValue] = {":token": {"B": self.token}, ":no_token": {"B": b""}}
        if self.before is not None:
            values[":before"] = {"S": self.before}
        return values

    def age_in(self, item: AttributeMap | None) -> int | None:
        """How many writes ago this one was applied to ``item`` (0: the latest), or None."""
        slots = [(item or {}).get(f"W{index}", {}) for index in range(RECENT_BEFORE)]
        for index, slot in enumerate(slots):
            if (index < RECENT and slot.get("B") == self.token) or (
                self.before is not None and slot.get("S") == self.before
            ):
                return index
        return None

    def created(self, item: AttributeMap | None) -> bool:
        """Whether this write created ``item`` (its ``Creator``)."""
        creator = (item or {}).get(CREATOR, {})
        return creator.get("B") == self.token or (self.before is not None and creator.get("S") == self.before)


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
            return WriteToken(os.urandom(TOKEN_BYTES))
        self._given += 1
        digest = hashlib.sha256(f"{self._seed}#{self._given}".encode()).digest()
        return WriteToken(digest[:TOKEN_BYTES], before=base64.urlsafe_b64encode(digest[:12]).decode())
