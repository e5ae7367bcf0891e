"""A TCP proxy in front of DynamoDB Local that loses answers after DynamoDB did the work.

Each request goes through to DynamoDB; the first answer to each distinct write is then
dropped with the connection, as a broken network drops it, so the SDK in the Lambda
sandboxes retries a write DynamoDB already applied. Everything else passes unchanged.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from devstack.dynamodb_local import free_port

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")


class LossyProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.lost: list[str] = []
        self._seen: set[bytes] = set()
        # Writes naming this table lose every answer, retries too: the SDK gives up (a 503)
        # after DynamoDB applied the first attempt.
        self.lose_every_answer_to: str | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, ready: threading.Event, stop: asyncio.Event) -> None:
        server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        ready.set()
        async with server:
            await stop.wait()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = _headers(head)
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                answer = await self._forward(head, body)
                target = headers.get("x-amz-target", "").rpartition(".")[2]
                always = self.lose_every_answer_to is not None and self.lose_every_answer_to.encode() in body
                if target in WRITES and (always or body not in self._seen):
                    self._seen.add(body)
                    self.lost.append(target)
                    return  # DynamoDB applied it; its answer goes nowhere
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        """One request to DynamoDB Local on a connection of its own, read to its end."""
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
        upstream_writer.write(b"\r\n".join([*lines[:1], b"Connection: close", *lines[1:]]) + body)
        await upstream_writer.drain()
        answer = await upstream_reader.read()
        upstream_writer.close()
        # The client keeps its connection: it must not read DynamoDB's "Connection: close".
        return answer.replace(b"Connection: close\r\n", b"", 1)


def _headers(head: bytes) -> dict[str, str]:
    fields = head.decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (f.partition(":") for f in fields if f)}


@contextmanager
def lossy_proxy(upstream_port: int) -> Iterator[LossyProxy]:
    proxy = LossyProxy(upstream_port)
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(proxy._serve(ready, stop),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
