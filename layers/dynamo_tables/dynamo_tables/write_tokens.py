"""Writes that recognise their own retry.

botocore retries a write whose answer did not come back (a read timeout, a reset), and
DynamoDB may have applied the first attempt: an unconditional write would then count
twice, a conditional one fail on its own change. So each update stamps a fresh token on
the item, keeps the last ``RECENT`` tokens (``W0`` the newest, up to ``W15``), and holds
only if its token is not among them. The retry of an applied write fails that condition,
and the item image DynamoDB returns with the failure shows the token: the write happened,
``age`` writes ago. A write is recognised while fewer than ``RECENT`` others land on the
same item between it and its retry (a retry comes within seconds).
"""

import secrets
from dataclasses import dataclass, field
from typing import Any

RECENT = 16
NAMES = {f"#w{index}": f"W{index}" for index in range(RECENT)}


def _fresh() -> str:
    return secrets.token_urlsafe(12)  # 16 characters; also a valid ClientRequestToken


@dataclass(frozen=True)
class WriteToken:
    value: str = field(default_factory=_fresh)

    @property
    def assignments(self) -> list[str]:
        """SET clauses that push this token in front of the recent ones (oldest drops out)."""
        shifts = [
            f"#w{index} = if_not_exists(#w{index - 1}, :no_token)" for index in range(RECENT - 1, 0, -1)
        ]
        return ["#w0 = :token", *shifts]

    @property
    def guard(self) -> str:
        """The condition that the write has not been applied already."""
        return "NOT (" + " OR ".join(f"#w{index} = :token" for index in range(RECENT)) + ")"

    @property
    def values(self) -> dict[str, Any]:
        return {":token": {"S": self.value}, ":no_token": {"S": "-"}}

    def age_in(self, item: dict[str, Any] | None) -> int | None:
        """How many writes ago this one was applied to ``item`` (0: the latest), or None."""
        for index in range(RECENT):
            if (item or {}).get(f"W{index}", {}).get("S") == self.value:
                return index
        return None
