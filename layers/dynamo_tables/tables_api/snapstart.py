"""Lambda SnapStart (template parameter ``SnapStart``): prime before the snapshot, reseed after.

Lambda snapshots a sandbox's memory once INIT is done and resumes copies of it as new
sandboxes. What INIT leaves to the first request (botocore's endpoint rules, its signer and
parser, the credentials) is done once before the snapshot instead, by one request answered
in memory and never sent, so no connection is ever captured in a snapshot. Every copy
resumes with the same ``random`` state, so retry jitter (here and in botocore) would move in
step across sandboxes: it is reseeded from the OS after each restore. Write tokens come from
``os.urandom`` and stay unique without help.
"""

import random
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

_PRIMING_TABLE = "snapstart-priming"


class _EmptyBody:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b"{}"


def _answer_in_memory(**_: Any) -> AWSResponse:
    return AWSResponse("https://dynamodb.invalid/", 200, HTTPHeaders(), _EmptyBody())


def prime(client: Any) -> None:
    """One GetItem through every step but the network: what the first request would load."""
    event = "before-send.dynamodb.GetItem"
    client.meta.events.register_first(event, _answer_in_memory, unique_id="snapstart-priming")
    try:
        client.get_item(TableName=_PRIMING_TABLE, Key={"id": {"S": "priming"}})
    finally:
        client.meta.events.unregister(event, unique_id="snapstart-priming")


def reseed() -> None:
    random.seed()  # from os.urandom: each restored sandbox gets its own sequence


def register_hooks(client: Any) -> None:
    """Called at INIT when Lambda says it is a SnapStart INIT; the runtime runs the hooks."""
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(prime, client)
    register_after_restore(reseed)
