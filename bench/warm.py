"""Warm requests: each handler in process against DynamoDB Local, against its own DynamoDB call.

The direct call is the very request the handler made (operation and parameters, captured
from botocore's events), replayed with boto3 on the same client, so the ratio is what the
handler adds: event parsing, routing, validation, logging and the response.
"""

import contextlib
import copy
import importlib.util
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from devstack.stack import LocalStack
from devstack.template import ROOT, function_code_dir
from tests.support.events import function_for, load_event, seed_tables
from tests.support.lambda_context import FakeLambdaContext

WRITES = {"PUT", "PATCH", "DELETE"}
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}

# One event per route, in a state each answers 2xx from; each runs after the tables are
# re-seeded where its first run changes what the next would find.
ROUTES: dict[str, dict[str, Any]] = {
    "put_item": {},
    "get_item": {},
    "head_item": {},
    "delete_item": {"reseed": True},
    "list_items": {},
    "put_record": {},
    "get_record": {},
    "patch_record": {"headers": {"If-Match": "*"}},
    "delete_record": {"reseed": True},
    "list_records": {},
    "list_records_by_status": {},
}


@dataclass
class Warm:
    route: str
    status: int
    calls: list[str]
    handler_ms: float
    direct_ms: float
    ratio: float  # the median of per-pair ratios: steadier than a ratio of medians
    added_ms: float  # the median of per-pair differences: what the handler adds
    units: "Units"  # what one request consumed, as DynamoDB Local counts it
    keyed_units: "Units | None" = None  # the same write with an Idempotency-Key


@dataclass(frozen=True)
class Units:
    """Read and write request units one request consumed, indexes included."""

    read: float
    write: float


def _load_handler(logical_id: str) -> ModuleType:
    path = function_code_dir(logical_id) / "app.py"
    spec = importlib.util.spec_from_file_location(f"bench_{logical_id}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(stack: LocalStack, iterations: int) -> list[Warm]:
    """``stack`` is started (DynamoDB Local and its tables); handlers load into this process."""
    os.environ.update(next(iter(stack.specs.values())).environment)
    sys.path.insert(0, str(ROOT / "layers" / "dynamo_tables"))
    from dynamo_tables import ComplexTableClass, SimpleTableClass, default_client

    client = default_client()
    items, records = SimpleTableClass(), ComplexTableClass()

    def reseed() -> None:
        seed_tables(items, records)

    reseed()
    results = [_route(route, options, client, reseed, iterations) for route, options in ROUTES.items()]
    for result in results:
        if load_event(result.route)["httpMethod"] in WRITES:
            reseed()
            keyed = load_event(
                result.route,
                headers={**ROUTES[result.route].get("headers", {}), "Idempotency-Key": str(uuid.uuid4())},
            )
            _, result.keyed_units = _consumed(client, keyed)
    reseed()
    return results


def _route(
    route: str, options: dict[str, Any], client: Any, reseed: Callable[[], None], iterations: int
) -> Warm:
    event = load_event(route, headers=options.get("headers"))
    handler = _load_handler(function_for(event)).lambda_handler
    calls: list[tuple[str, dict[str, Any]]] = []

    def capture(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, copy.deepcopy(params)))

    client.meta.events.register("provide-client-params.dynamodb", capture)
    try:
        status = handler(copy.deepcopy(event), FakeLambdaContext())["statusCode"]
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", capture)
    if options.get("reseed"):
        reseed()
    _, units = _consumed(client, event)
    pending = [event]

    def setup() -> None:
        if options.get("reseed"):
            reseed()
        pending[0] = copy.deepcopy(event)  # copied outside the timing

    def handler_call() -> object:
        return handler(pending[0], FakeLambdaContext())

    def direct_call() -> None:
        for operation, params in calls:
            # A replayed conditional write may fail its condition: the same round trip.
            with contextlib.suppress(ClientError):
                getattr(client, xform_name(operation))(**params)

    handler_times, direct_times = _paired(handler_call, direct_call, iterations, setup)
    return Warm(
        route,
        status,
        [operation for operation, _ in calls],
        statistics.median(handler_times),
        statistics.median(direct_times),
        statistics.median(h / d for h, d in zip(handler_times, direct_times, strict=True)),
        statistics.median(h - d for h, d in zip(handler_times, direct_times, strict=True)),
        units,
    )


def _consumed(client: Any, event: dict[str, Any]) -> tuple[int, Units]:
    """Run ``event`` once with every call asking DynamoDB what it consumed."""
    handler = _load_handler(function_for(event)).lambda_handler
    units = {"read": 0.0, "write": 0.0}

    def ask(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**params, "ReturnConsumedCapacity": "INDEXES"}

    def read(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        answer = parsed.get("ConsumedCapacity") or []
        kind = "read" if model.name in READS else "write"
        units[kind] += sum(float(capacity["CapacityUnits"]) for capacity in _listed(answer))

    client.meta.events.register("provide-client-params.dynamodb", ask, unique_id="bench-ask")
    client.meta.events.register("after-call.dynamodb", read, unique_id="bench-read")
    try:
        status = handler(copy.deepcopy(event), FakeLambdaContext())["statusCode"]
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", unique_id="bench-ask")
        client.meta.events.unregister("after-call.dynamodb", unique_id="bench-read")
    return status, Units(units["read"], units["write"])


def _listed(answer: Any) -> list[dict[str, Any]]:
    return answer if isinstance(answer, list) else [answer]


def _paired(
    first: Callable[[], object],
    second: Callable[[], object],
    iterations: int,
    setup: Callable[[], None],
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of each, alternating, after a few untimed calls; ``setup`` untimed."""
    times: tuple[list[float], list[float]] = ([], [])
    for iteration in range(iterations + 5):
        for call, timings in ((first, times[0]), (second, times[1])):
            setup()
            started = time.perf_counter()
            call()
            if iteration >= 5:
                timings.append((time.perf_counter() - started) * 1000)
    return times
