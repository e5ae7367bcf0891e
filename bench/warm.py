"""Warm requests: each handler in process against DynamoDB Local, against its own DynamoDB call.

The direct call is the very request the handler made (operation and parameters, captured
from botocore's events), replayed with boto3 on the same client, so the ratio is what the
handler adds: event parsing, routing, validation, logging and the response.
"""

import contextlib
import copy
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from botocore import xform_name
from botocore.awsrequest import AWSResponse, HTTPHeaders

from devstack.runtime import import_file
from devstack.stack import LocalStack
from devstack.template import ROOT, function_code_dir, table_definitions
from tests.support.events import function_for, load_event, seed_tables, success_events
from tests.support.lambda_context import FakeLambdaContext

WRITES = {"PUT", "PATCH", "DELETE"}
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}

# The headers an event needs on top of its own to answer 2xx every time (the item each
# write changes is put back before each timed call). Every plain event (every route's
# request that succeeds from the seeded state, tests/support/events.py) is measured.
EXTRA_HEADERS: dict[str, dict[str, str]] = {"patch_record": {"If-Match": "*"}}


def routes() -> dict[str, dict[str, str]]:
    """Each plain sample event, with the headers it is measured with."""
    return {name: EXTRA_HEADERS.get(name, {}) for name in success_events()}


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
    return import_file(function_code_dir(logical_id) / "app.py", f"bench_{logical_id}")


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
    measured = routes()
    results = [_route(route, headers, client, reseed, iterations) for route, headers in measured.items()]
    for result in results:
        if load_event(result.route)["httpMethod"] in WRITES:
            reseed()
            keyed = load_event(
                result.route,
                headers={**measured[result.route], "Idempotency-Key": str(uuid.uuid4())},
            )
            _, result.keyed_units = _consumed(client, keyed)
    reseed()
    return results


def _route(
    route: str, headers: dict[str, str], client: Any, reseed: Callable[[], None], iterations: int
) -> Warm:
    """Pairs of (the handler, its own request replayed), each from the same starting state.

    A replayed write must be one DynamoDB has not seen: a write token or ClientRequestToken
    already used makes DynamoDB answer without writing, which is cheaper. So before each
    replay the handler runs once with its calls answered in memory, which yields a fresh
    request, and the item is put back as it was before each timed call.
    """
    event = load_event(route, headers=headers)
    handler = _load_handler(function_for(event)).lambda_handler
    reseed()
    restore = _restorer(client, _captured(client, handler, event, answered=True)[1])
    status, operations = _captured(client, handler, event, answered=False)
    restore()
    _, units = _consumed(client, event)
    pending: list[Any] = [None]

    def prepare_handler() -> None:
        restore()
        pending[0] = copy.deepcopy(event)

    def prepare_direct() -> None:
        restore()
        pending[0] = _captured(client, handler, event, answered=True)[1]

    def handler_call() -> object:
        return handler(pending[0], FakeLambdaContext())

    def direct_call() -> None:
        for operation, params in pending[0]:
            getattr(client, xform_name(operation))(**params)

    handler_times, direct_times = _paired(
        (prepare_handler, handler_call), (prepare_direct, direct_call), iterations
    )
    return Warm(
        route,
        status,
        [operation for operation, _ in operations],
        statistics.median(handler_times),
        statistics.median(direct_times),
        statistics.median(h / d for h, d in zip(handler_times, direct_times, strict=True)),
        statistics.median(h - d for h, d in zip(handler_times, direct_times, strict=True)),
        units,
    )


def _captured(
    client: Any, handler: Callable[..., Any], event: dict[str, Any], answered: bool
) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    """The handler's status and DynamoDB requests; ``answered``: none reaches DynamoDB."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def capture(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, copy.deepcopy(params)))

    client.meta.events.register("provide-client-params.dynamodb", capture, unique_id="bench-capture")
    if answered:
        answer = _in_memory_answers()
        client.meta.events.register_first("before-call.dynamodb", answer, unique_id="bench-memory")
    try:
        status = handler(copy.deepcopy(event), FakeLambdaContext())["statusCode"]
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", unique_id="bench-capture")
        client.meta.events.unregister("before-call.dynamodb", unique_id="bench-memory")
    return status, calls


def _restorer(client: Any, operations: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
    """What puts the one item a write changes back as it is now (reads change nothing)."""
    targets = []
    for operation, params in operations:
        if operation in READS:
            continue
        for action in params.get("TransactItems", [params]):
            request = next(iter(action.values())) if "TransactItems" in params else action
            targets.append((request["TableName"], request["Key"]))
    saved = [
        (table, key, client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"))
        for table, key in targets
    ]

    def restore() -> None:
        for table, key, item in saved:
            if item is None:
                client.delete_item(TableName=table, Key=key)
            else:
                client.put_item(TableName=table, Item=item)

    return restore


def _consumed(client: Any, event: dict[str, Any]) -> tuple[int, Units]:
    """Run ``event`` once with every call asking DynamoDB what it consumed."""
    handler = _load_handler(function_for(event)).lambda_handler
    with counting_units(client) as units:
        status = handler(copy.deepcopy(event), FakeLambdaContext())["statusCode"]
    return status, Units(units["read"], units["write"])


@contextlib.contextmanager
def counting_units(client: Any) -> Iterator[dict[str, float]]:
    """Every call in the block asks DynamoDB what it consumed; the sums, read and write, and
    the same units by where they went: the tables and the indexes."""
    units = {"read": 0.0, "write": 0.0, "table": 0.0, "index": 0.0}

    def ask(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**params, "ReturnConsumedCapacity": "INDEXES"}

    def read(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        answer = parsed.get("ConsumedCapacity") or []
        kind = "read" if model.name in READS else "write"
        for capacity in _listed(answer):
            units[kind] += float(capacity["CapacityUnits"])
            units["table"] += float(capacity.get("Table", {}).get("CapacityUnits", 0))
            indexes = capacity.get("GlobalSecondaryIndexes", {}).values()
            units["index"] += sum(float(index["CapacityUnits"]) for index in indexes)

    client.meta.events.register("provide-client-params.dynamodb", ask, unique_id="bench-ask")
    client.meta.events.register("after-call.dynamodb", read, unique_id="bench-read")
    try:
        yield units
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", unique_id="bench-ask")
        client.meta.events.unregister("after-call.dynamodb", unique_id="bench-read")


def status_index_units(shards: int = 8, records: int = 200, page: int = 20) -> list[tuple[str, Units, Units]]:
    """(operation, units with the seed's status index, units with ``shards`` shards).

    Both tables hold the same ``records`` records (half of each status, about 650 bytes each),
    so a listing page reads what a real one would; DynamoDB Local counts no minimum for an
    empty Query, as DynamoDB may.
    """
    from dynamo_tables import ComplexTableClass, default_client

    client = default_client()
    tables = {}
    for count in (0, shards):
        name = f"ComplexTable-units-{count}"
        definition = table_definitions(parameters={"StatusIndexShards": str(count)})["ComplexTable"]
        client.create_table(TableName=name, **definition)
        tables[count] = ComplexTableClass(table_name=name, status_shards=count)
        for number in range(records):
            tables[count].put_record(f"order-{number}", ("green", "red")[number % 2], {"note": "x" * 200})
    measured: dict[str, list[Units]] = {}
    for count in (0, shards):
        steps = _index_steps(tables[count], page)
        for label, step in steps.items():
            with counting_units(client) as units:
                step()
            measured.setdefault(label, []).append(Units(units["read"], units["write"]))
    for name in (table.table_name for table in tables.values()):
        client.delete_table(TableName=name)
    return [(label, off, on) for label, (off, on) in measured.items()]


@dataclass(frozen=True)
class UpdateUnits:
    """What an update of one record wrote, with the status index as ``shards`` makes it."""

    shards: int
    seed_bytes: int  # the record's id, status, time and data: the seed's attributes
    item_bytes: int  # the whole item, with the version, the shard key and the write tokens
    table: float  # write units, the table's
    index: float  # write units, the status index's
    bare_table: float  # the same update of a record without data: what any update writes
    bare_index: float


def update_units(shards: int, seed_bytes: int = 900) -> UpdateUnits:
    """The write units of an update that keeps the status (``PATCH``), of a record whose seed
    attributes and data take ``seed_bytes`` by DynamoDB's item-size rule, after enough writes
    that its write tokens are all there; and of the same update of a record without data."""
    from dynamo_tables import ComplexTableClass, default_client
    from dynamo_tables.records import RECORD_DATA
    from dynamo_tables.schema import COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_THREE, COMPLEX_SCHEMA_KEY_TWO
    from dynamo_tables.status_index import item_size

    seed_attributes = (COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_TWO, COMPLEX_SCHEMA_KEY_THREE, RECORD_DATA)
    client = default_client()
    name = f"ComplexTable-update-{shards}"
    definition = table_definitions(parameters={"StatusIndexShards": str(shards)})["ComplexTable"]
    client.create_table(TableName=name, **definition)
    table = ComplexTableClass(table_name=name, status_shards=shards)

    def written(data: dict[str, str] | None, record_id: str = "order-sized") -> dict[str, Any]:
        """The item after writes of ``data`` until it stops growing (its tokens all there)."""
        size = -1
        for _ in range(64):
            table.put_record(record_id, "green", data)
            item: dict[str, Any] = client.get_item(
                TableName=name, Key={COMPLEX_SCHEMA_KEY_ONE: {"S": record_id}}, ConsistentRead=True
            )["Item"]
            if item_size(item) == size:
                break
            size = item_size(item)
        return item

    def seed_size(item: dict[str, Any]) -> int:
        return item_size({name: item[name] for name in seed_attributes if name in item})

    # The data's one string grows the item byte for byte: size it from an empty one.
    data = {"note": "x" * (seed_bytes - seed_size(written({"note": ""})))}
    item = written(data)
    if seed_size(item) != seed_bytes:
        raise AssertionError(
            f"the sized record's seed attributes are {seed_size(item)} bytes, not {seed_bytes}"
        )
    with counting_units(client) as sized:
        table.set_status("order-sized", "green")
    written(None, "order-bare")
    with counting_units(client) as bare:
        table.set_status("order-bare", "green")
    client.delete_table(TableName=name)
    return UpdateUnits(
        shards,
        seed_bytes,
        item_size(item),
        sized["table"],
        sized["index"],
        bare["table"],
        bare["index"],
    )


def _index_steps(table: Any, page: int) -> dict[str, Callable[[], object]]:
    note = {"note": "x" * 200}
    return {
        f"list a page of {page} by status": lambda: table.list_by_status("green", page),
        "create a record": lambda: table.put_record("new-order", "green", note),
        "update a record, same status": lambda: table.set_status("order-2", "green"),
        "change a record's status": lambda: table.set_status("order-4", "red"),
    }


def _listed(answer: Any) -> list[dict[str, Any]]:
    return answer if isinstance(answer, list) else [answer]


def _paired(
    first: tuple[Callable[[], None], Callable[[], object]],
    second: tuple[Callable[[], None], Callable[[], object]],
    iterations: int,
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of each (prepare, call), after a few untimed pairs.

    The two alternate, and which goes first alternates too: the first of a pair may find the
    connection idle longer, and that must not count against either.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for iteration in range(iterations + 5):
        pair = ((first, times[0]), (second, times[1]))
        for (prepare, call), timings in pair if iteration % 2 else reversed(pair):
            prepare()
            started = time.perf_counter()
            call()
            if iteration >= 5:
                timings.append((time.perf_counter() - started) * 1000)
    return times


ProfileRows = list[tuple[str, float, float]]


def profile(route: str, client: Any, requests: int = 2000) -> tuple[float, float, ProfileRows]:
    """Where ``route``'s handler spends its time with its DynamoDB calls answered in memory:
    (ms a request, the share inside botocore's call, rows of (function, own µs, cumulative
    µs) a request for the layer's, the handler's and Powertools' functions), under cProfile,
    which slows many small calls more than few large ones: shares, not times, carry over."""
    import cProfile
    import pstats

    event = load_event(route, headers=EXTRA_HEADERS.get(route, {}))
    handler = _load_handler(function_for(event)).lambda_handler
    events = [copy.deepcopy(event) for _ in range(requests)]
    memory = _in_memory_answers()
    client.meta.events.register_first("before-call.dynamodb", memory, unique_id="bench-profile")
    profiler = cProfile.Profile()
    try:
        handler(copy.deepcopy(event), FakeLambdaContext())
        profiler.enable()
        for each in events:
            handler(each, FakeLambdaContext())
        profiler.disable()
    finally:
        client.meta.events.unregister("before-call.dynamodb", unique_id="bench-profile")
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in stats.values())
    in_call = sum(entry[3] for (_, _, name), entry in stats.items() if name == "_make_api_call")
    rows = []
    for (path, line, name), (_, _, own, cumulative, _) in stats.items():
        where = _where(path)
        if where:
            rows.append((f"{where}:{line}({name})", own / requests * 1e6, cumulative / requests * 1e6))
    return total / requests * 1e3, in_call / total, sorted(rows, key=lambda row: -row[1])


def _where(path: str) -> str | None:
    """A profiled function's file, short, if it is the layer's, a handler's or Powertools'."""
    for marker, shown in (("layers/dynamo_tables/", ""), ("functions/", "functions/")):
        if marker in path:
            return shown + path.split(marker, 1)[1]
    if "aws_lambda_powertools/" in path:
        return "aws_lambda_powertools/" + path.split("aws_lambda_powertools/", 1)[1]
    return None


def _in_memory_answers() -> Callable[..., tuple[Any, dict[str, Any]]]:
    """Answers of each operation's shape, so a handler runs on to a normal response."""

    def in_memory(model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        empty = {"Items": [], "Count": 0, "ScannedCount": 0} if model.name in ("Query", "Scan") else {}
        return AWSResponse("https://dynamodb.invalid/", 200, HTTPHeaders(), None), empty

    return in_memory
