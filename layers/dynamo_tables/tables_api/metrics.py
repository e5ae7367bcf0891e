"""One CloudWatch embedded-metric-format document per request, written to the function's
log: the counts the template's alarms and dashboard read, per route and for the service.

``Requests`` goes out on every request and each other counter only when it happened, so
a rate is ``FILL(counter, 0) / Requests``.
Powertools' Metrics writes it; its namespace and service come from the template
(``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_SERVICE_NAME``). A function sees a few
routes and a few sets of counters, so each distinct document is serialized by Powertools
once and kept as text around its timestamp: building it anew cost every request 20 to
40 µs, a quarter of what a handler adds to a read (docs/PERFORMANCE.md).
"""

import contextlib
import io
import re
import time

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

COUNTERS = ("Requests", "ClientErrors", "ServerErrors", "Conflicts", "Throttles", "IdempotentReplays")

metrics = Metrics()
_noted: set[str] = set()
_TIMESTAMP = re.compile(r'^(\{"_aws":\{"Timestamp":)\d+(,.*)$', re.DOTALL)
# Per route, set of counters, namespace, service and default dimensions: the text before and
# after its timestamp (None: metrics are disabled).
_documents: dict[tuple[object, ...], tuple[str, str] | None] = {}


def note(counter: str) -> None:
    """Something the status alone does not tell (a throttle, a replayed answer), counted
    with this request."""
    _noted.add(counter)


def count_request(route: str, status: int, function: str | None = None) -> None:
    """Write this request's document: ``route`` is ``"<METHOD> <resource>"``.

    A 500, the function's own fault, is also written as ``Faults`` under the function's
    name, only when it happens: each function's alarm reads it with Lambda's ``Errors``.
    """
    happened = {"Requests", *_noted}
    _noted.clear()
    if 400 <= status < 500:
        happened.add("ClientErrors")
    if status >= 500:
        happened.add("ServerErrors")
    if status in (409, 412):
        happened.add("Conflicts")
    if metrics.namespace is None:  # no namespace set (a script, not a deployed function)
        return
    if metrics.metric_set or metrics.metadata_set or metrics.dimension_set != metrics.default_dimensions:
        # The route added metrics, metadata or dimensions of its own (Powertools' Metrics
        # instances share them): they go out with this request's counters, built anew.
        _add_counters(route, happened)
        metrics.flush_metrics()
    else:
        document = _document(route, frozenset(happened))
        if document is not None:
            before, after = document
            print(f"{before}{time.time_ns() // 1_000_000}{after}", end="")
    if status == 500 and function:
        service = {"service": str(metrics.service)} if metrics.service else {}
        with single_metric("Faults", MetricUnit.Count, 1, namespace=metrics.namespace) as fault:
            for name, value in {"function": function, **service}.items():
                fault.add_dimension(name, value)


def _document(route: str, happened: frozenset[str]) -> tuple[str, str] | None:
    """What Powertools prints for these counters on ``route``, split around its timestamp."""
    key = (
        route,
        happened,
        metrics.namespace,
        metrics.service,
        tuple(sorted(metrics.default_dimensions.items())),
    )
    if key not in _documents:
        _add_counters(route, happened)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            metrics.flush_metrics()
        found = _TIMESTAMP.match(printed.getvalue())
        if printed.getvalue() and found is None:
            raise AssertionError(f"Powertools printed no timestamp first: {printed.getvalue()!r}")
        _documents[key] = (found[1], found[2]) if found else None  # nothing printed: metrics disabled
    return _documents[key]


def _add_counters(route: str, happened: set[str] | frozenset[str]) -> None:
    for counter in COUNTERS:
        if counter in happened:
            metrics.add_metric(counter, MetricUnit.Count, 1)
    metrics.add_dimension("route", route)
    if metrics.service:
        metrics.add_dimensions(service=str(metrics.service))
