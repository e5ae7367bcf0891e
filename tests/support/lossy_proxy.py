"""TCP proxies in front of DynamoDB Local that break the wire as networks and servers do.

``FaultProxy`` passes every request through unless told otherwise: from a chosen call on
it can hold every request (DynamoDB paused: what it received it applies when it resumes,
its answers going nowhere once the SDK gave up on them), or forward each one at once and
hold back its answer (DynamoDB slow: the write applied, the answer late). ``LossyProxy``
loses the first answer to each distinct write after DynamoDB applied it, so the SDK in the
Lambda sandboxes retries a write DynamoDB already applied.
"""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from devstack.dynamodb_local import free_port

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")


@dataclass(frozen=True)
class Call:
    """One DynamoDB call a request makes: an operation on a table (by name)."""

    operation: str
    table: str

    def matches(self, seen: "Seen") -> bool:
        return (seen.operation, seen.table) == (self.operation, self.table)


@dataclass
class Seen:
    """A request the proxy received: when, which call, and whether an answer went back."""

    at: float
    operation: str
    table: str | None
    answered: bool = False


@dataclass
class FaultProxy:
    upstream_port: int
    port: int = field(default_factory=free_port)
    seen: list[Seen] = field(default_factory=list)
    # From the first request matching ``pause_from`` on, every request waits until resume().
    pause_from: Call | None = None
    # How many more requests of each call are answered ``late_seconds`` late (0: none).
    late: dict[Call, int] = field(default_factory=dict)
    late_seconds: float = 0.0
    _paused: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def resume(self) -> None:
        """Let DynamoDB go on: held requests are applied, new ones pass."""
        self.pause_from = None
        if self._loop is not None and self._paused is not None:
            self._loop.call_soon_threadsafe(self._paused.set)

    def calls(self, call: Call) -> list[Seen]:
        return [seen for seen in self.seen if call.matches(seen)]

    def lose_answer(self, operation: str, body: bytes) -> bool:
        """Whether DynamoDB's answer to this request goes nowhere (see LossyProxy)."""
        return False

    async def _serve(self, ready: threading.Event, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._paused = asyncio.Event()
        self._paused.set()
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
                operation = headers.get("x-amz-target", "").rpartition(".")[2]
                seen = Seen(time.monotonic(), operation, _table(body))
                self.seen.append(seen)
                assert self._paused is not None
                if self.pause_from is not None and self.pause_from.matches(seen):
                    self._paused.clear()
                await self._paused.wait()
                answer = await self._forward(head, body)
                call = Call(operation, seen.table or "")
                if self.late.get(call, 0) > 0:
                    self.late[call] -= 1
                    await asyncio.sleep(self.late_seconds)
                if self.lose_answer(operation, body):
                    return  # DynamoDB applied it; its answer goes nowhere
                writer.write(answer)
                await writer.drain()
                seen.answered = True
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


@dataclass
class LossyProxy(FaultProxy):
    """Loses the first answer to each distinct write (``lost`` names them)."""

    lost: list[str] = field(default_factory=list)
    # Writes naming this table lose every answer, retries too: the SDK gives up (a 503)
    # after DynamoDB applied the first attempt.
    lose_every_answer_to: str | None = None
    _lost_once: set[bytes] = field(default_factory=set)

    def lose_answer(self, operation: str, body: bytes) -> bool:
        always = self.lose_every_answer_to is not None and self.lose_every_answer_to.encode() in body
        if operation in WRITES and (always or body not in self._lost_once):
            self._lost_once.add(body)
            self.lost.append(operation)
            return True
        return False


def _headers(head: bytes) -> dict[str, str]:
    fields = head.decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (f.partition(":") for f in fields if f)}


def _table(body: bytes) -> str | None:
    try:
        table = json.loads(body).get("TableName")
    except ValueError:
        return None
    return table if isinstance(table, str) else None


Proxy = TypeVar("Proxy", bound=FaultProxy)


@contextmanager
def serving(proxy: Proxy) -> Iterator[Proxy]:
    """The proxy, listening on its port until the block ends (a held request is let go)."""
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(proxy._serve(ready, stop),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield proxy
    finally:
        proxy.resume()
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)


@contextmanager
def lossy_proxy(upstream_port: int) -> Iterator[LossyProxy]:
    with serving(LossyProxy(upstream_port)) as proxy:
        yield proxy


@contextmanager
def fault_proxy(upstream_port: int) -> Iterator[FaultProxy]:
    with serving(FaultProxy(upstream_port)) as proxy:
        yield proxy
