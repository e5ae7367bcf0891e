"""Faults at the wire: DynamoDB applies a write, and its answer never comes back.

A botocore ``before-send`` hook sends the signed request for real, then raises the
``ReadTimeoutError`` a lost answer gives, so botocore's standard retry sends it again:
exactly what a slow or broken connection does after DynamoDB has done the work.
"""

from typing import Any

import requests
from botocore.exceptions import ReadTimeoutError

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")


class LoseFirstAnswers:
    """On ``client``, the first answer to each distinct write request is lost after DynamoDB applied it."""

    def __init__(self, client: Any, operations: tuple[str, ...] = WRITES) -> None:
        self.lost: list[str] = []
        self._seen: set[bytes] = set()
        for operation in operations:
            client.meta.events.register(f"before-send.dynamodb.{operation}", self._send)

    def _send(self, request: Any, **_: Any) -> None:
        body = bytes(request.body or b"")
        if body in self._seen:
            return  # the retry: let botocore send it and read the answer
        self._seen.add(body)
        delivered = requests.post(request.url, data=body, headers=dict(request.headers.items()), timeout=10)
        self.lost.append(delivered.headers.get("x-amz-target", request.headers.get("X-Amz-Target", "")))
        raise ReadTimeoutError(endpoint_url=request.url)
