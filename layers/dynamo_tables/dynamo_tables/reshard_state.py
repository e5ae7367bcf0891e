"""What a re-shard's backfill (``reshard.py``) did and where it is: its checkpoint's content."""

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Counts:
    """What a run did, over every page it finished (a resumed run adds to its checkpoint's)."""

    scanned: int = 0
    updated: int = 0  # stamped by the backfill
    right: int = 0  # already right (or made right by a writer in the meantime)
    moved: int = 0  # changed by writers on every try: left to them
    gone: int = 0  # deleted between the Scan and its update
    throttled: int = 0  # throttling answers, each a slow down

    def add(self, other: "Counts") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class Progress:
    """Where a run is: each segment's last key (None: not started; ``done``: finished)."""

    table: str
    shards: int
    segments: int
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    finished: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Progress":
        raw = json.loads(text)
        raw["counts"] = Counts(**raw["counts"])
        return cls(**raw)
