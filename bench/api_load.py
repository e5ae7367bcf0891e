"""Through the local API (``make start``'s stack): a mixed workload at 1, 4 and 16 clients.

Every request crosses SAM CLI's API Gateway emulation and a runtime-emulator sandbox, as
``make start`` serves it, so the figures are the local stack's, not Lambda's: they show
what a developer waits for and where the stack queues (4 sandboxes per function).
"""

import http.client
import json
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from devstack.dynamodb_local import SetupError, free_ports, port_is_free
from devstack.stack import dynamodb_client
from devstack.template import ROOT

KEYS = 50
# (share of requests, what it is): about three reads to each write, as a typical API.
MIX = (
    (40, "GET item"),
    (15, "PUT item"),
    (20, "GET record"),
    (10, "PATCH record"),
    (10, "GET records?status"),
    (5, "GET items"),
)
# Each kind as the sample event of the same route (bench/warm.py measures those).
ROUTE_OF = {
    "GET item": "get_item",
    "PUT item": "put_item",
    "GET record": "get_record",
    "PATCH record": "patch_record",
    "GET records?status": "list_records_by_status",
    "GET items": "list_items",
}


@dataclass
class Level:
    clients: int
    seconds: float
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    failures: int = 0

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies_ms.values())

    @property
    def all_ms(self) -> list[float]:
        return [value for values in self.latencies_ms.values() for value in values]


def percentile(values: list[float], share: float) -> float:
    """Interpolated between the nearest ranks (p99 of 100 samples is not their maximum)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _request(port: int, kind: str, rng: random.Random) -> tuple[int, bytes]:
    key = f"http://example.com/page/{rng.randrange(KEYS)}"
    record = f"order-{rng.randrange(KEYS)}"
    method, path, body, headers = {
        "GET item": ("GET", f"/items/{quote(key, safe='')}", None, {}),
        "PUT item": ("PUT", f"/items/{quote(key, safe='')}", {"value": f"v{rng.random()}"}, {}),
        "GET record": ("GET", f"/records/{record}", None, {}),
        "PATCH record": (
            "PATCH",
            f"/records/{record}",
            {"status": rng.choice(["green", "red"])},
            {"If-Match": "*"},
        ),
        "GET records?status": ("GET", "/records?status=green&limit=10", None, {}),
        "GET items": ("GET", "/items?limit=10", None, {}),
    }[kind]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(
            method, path, body=payload, headers={"Content-Type": "application/json", **headers}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _seed(port: int) -> None:
    for number in range(KEYS):
        key = quote(f"http://example.com/page/{number}", safe="")
        for method, path, body in (
            ("PUT", f"/items/{key}", {"value": "seed"}),
            ("PUT", f"/records/order-{number}", {"status": "green" if number % 2 else "red"}),
        ):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                method, path, body=json.dumps(body), headers={"Content-Type": "application/json"}
            )
            status = connection.getresponse().status
            connection.close()
            if status >= 300:
                raise SetupError(f"seeding {method} {path} answered {status}")


def _run_level(port: int, clients: int, seconds: float) -> Level:
    level = Level(clients, seconds, {kind: [] for _, kind in MIX})
    kinds = [kind for weight, kind in MIX for _ in range(weight)]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)  # noqa: S311 - a workload, not a secret
        while time.monotonic() < deadline:
            kind = rng.choice(kinds)
            started = time.perf_counter()
            status, _ = _request(port, kind, rng)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                level.latencies_ms[kind].append(elapsed)
                level.failures += status >= 500

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return level


def direct_get_item_ms(ddb_port: int, samples: int = 300) -> float:
    """The p50 of the same GetItem made straight to DynamoDB Local: the floor under GET item."""
    client = dynamodb_client(f"http://127.0.0.1:{ddb_port}")
    key = {"IndexKey": {"S": "http://example.com/page/1"}}
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        client.get_item(TableName="SimpleTable", Key=key)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(levels: tuple[int, ...], seconds: float) -> tuple[list[Level], float]:
    """Start ``make start``'s stack on free ports (in memory, the existing build) and load it."""
    port, ddb_port = free_ports(2)
    ports = ("--port", str(port), "--ddb-port", str(ddb_port))
    log_path = ROOT / ".local" / "bench-api.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        stack = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "devstack", "start", "--in-memory", "--no-build", *ports],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while port_is_free(port):
                if stack.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    last = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                    raise SetupError(
                        f"the local API did not start (exit {stack.poll()}); {log_path} ends:\n"
                        + "\n".join(last)
                    )
                time.sleep(0.2)
            _seed(port)
            # Every sandbox past its INIT before anything counts (shorter for a smoke run's short levels).
            _run_level(port, max(levels), min(10, 4 * seconds))
            results = [_run_level(port, clients, seconds) for clients in levels]
            return results, direct_get_item_ms(ddb_port)
        finally:
            stack.send_signal(signal.SIGINT)
            try:
                stack.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stack.kill()
                stack.wait()
