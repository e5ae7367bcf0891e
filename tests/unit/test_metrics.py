"""Each request leaves one CloudWatch embedded-metric-format document: per route and for the
whole service, in the namespace template.yaml sets, counting what the alarms and the
dashboard read. Parsed from what the handler really printed, as CloudWatch would read it."""

import json
import time
from typing import Any

import pytest

from devstack.template import load_template
from tests.support.events import event_names, expected_statuses, load_event
from tests.support.lambda_context import FakeLambdaContext
from tests.unit.conftest import Invoke, stubbed_table

COUNTERS = ("Requests", "ClientErrors", "ServerErrors", "Conflicts", "Throttles", "IdempotentReplays")


def _namespace() -> str:
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    return str(variables["POWERTOOLS_METRICS_NAMESPACE"])


def emf_documents(printed: str) -> list[dict[str, Any]]:
    """The embedded-metric-format documents among the printed lines."""
    documents = []
    for line in printed.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def count(document: dict[str, Any], counter: str) -> float:
    """A counter's value: EMF takes a number or a list of them, which CloudWatch sums; a
    counter left out of a document counts 0 there (what the alarms' FILL says)."""
    value = document.get(counter, 0)
    return float(sum(value)) if isinstance(value, list) else float(value)


def only_document(printed: str) -> dict[str, Any]:
    (document,) = emf_documents(printed)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == _namespace()
    assert sorted(sorted(dimensions) for dimensions in directive["Dimensions"]) == [
        ["route", "service"],
        ["service"],
    ]
    named = [metric["Name"] for metric in directive["Metrics"]]
    assert "Requests" in named
    assert set(named) <= set(COUNTERS)
    return document


@pytest.mark.parametrize("name", event_names())
def test_every_sample_request_is_counted_once_under_its_route(
    seeded: None, invoke: Invoke, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    event = load_event(name)
    capsys.readouterr()
    status = invoke(event)["statusCode"]

    document = only_document(capsys.readouterr().out)
    assert status in expected_statuses(name)
    assert document["route"] == f"{event['httpMethod']} {event['resource']}"
    assert {counter: count(document, counter) for counter in COUNTERS} == {
        "Requests": 1,
        "ClientErrors": int(400 <= status < 500),
        "ServerErrors": int(status >= 500),
        "Conflicts": int(status in (409, 412)),
        "Throttles": 0,
        "IdempotentReplays": 0,
    }


@pytest.mark.parametrize(
    ("code", "http_status", "throttles"),
    [("ThrottlingException", 400, 1), ("InternalServerError", 500, 0)],
    ids=["throttled past its retries", "failing, not throttling"],
)
def test_a_database_fault_is_a_server_error_and_a_throttle_only_when_it_throttled(
    dynamodb: object,
    invoke: Invoke,
    capsys: pytest.CaptureFixture[str],
    code: str,
    http_status: int,
    throttles: int,
) -> None:
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", code, http_status_code=http_status)
        capsys.readouterr()
        status = invoke(load_event("put_item"))["statusCode"]

    document = only_document(capsys.readouterr().out)
    assert (status, count(document, "ServerErrors"), count(document, "Throttles")) == (503, 1, throttles)


def test_an_answer_given_again_for_an_idempotency_key_counts_as_a_replay(
    seeded: None, invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("put_item", headers={"Idempotency-Key": "replay-metric-1"})
    capsys.readouterr()
    first = invoke(event)["statusCode"]
    first_document = only_document(capsys.readouterr().out)
    again = invoke(event)["statusCode"]
    again_document = only_document(capsys.readouterr().out)

    assert (first, again) == (201, 201)
    assert (count(first_document, "IdempotentReplays"), count(again_document, "IdempotentReplays")) == (0, 1)


def test_a_fault_of_the_function_is_also_counted_under_its_name_for_its_alarm(
    dynamodb: object, invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ValidationException", "a bug of the function's")
        capsys.readouterr()
        status = invoke(load_event("put_item"))["statusCode"]

    request, fault = emf_documents(capsys.readouterr().out)
    (directive,) = fault["_aws"]["CloudWatchMetrics"]
    assert (status, count(request, "ServerErrors")) == (500, 1)
    assert directive["Namespace"] == _namespace()
    assert [sorted(dimensions) for dimensions in directive["Dimensions"]] == [["function", "service"]]
    assert [metric["Name"] for metric in directive["Metrics"]] == ["Faults"]
    assert (fault["function"], count(fault, "Faults")) == (FakeLambdaContext().function_name, 1)


def test_a_client_error_or_an_unavailable_database_is_no_fault(
    seeded: None, invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    invoke(load_event("put_item_missing_value_422"))
    documents = emf_documents(capsys.readouterr().out)
    assert [document.get("Faults") for document in documents] == [None]


@pytest.mark.parametrize(
    ("status", "noted", "counted"),
    [
        (200, set(), {"Requests"}),
        (201, {"IdempotentReplays"}, {"Requests", "IdempotentReplays"}),
        (412, set(), {"Requests", "ClientErrors", "Conflicts"}),
        (503, {"Throttles"}, {"Requests", "ServerErrors", "Throttles"}),
    ],
)
def test_each_document_is_the_one_powertools_writes_stamped_with_the_time_of_its_request(
    capsys: pytest.CaptureFixture[str], status: int, noted: set[str], counted: set[str]
) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    from tables_api.metrics import count_request, metrics, note

    capsys.readouterr()
    documents = []
    for _ in range(2):  # the second one from what the first left
        for counter in noted:
            note(counter)
        started = time.time() * 1000
        count_request("PUT /items/{key+}", status)
        ended = time.time() * 1000
        (document,) = emf_documents(capsys.readouterr().out)
        assert started - 1 <= document["_aws"]["Timestamp"] <= ended + 1
        documents.append(document)
    for counter in COUNTERS:
        if counter in counted:
            metrics.add_metric(counter, MetricUnit.Count, 1)
    metrics.add_dimension("route", "PUT /items/{key+}")
    metrics.add_dimensions(service=str(metrics.service))
    metrics.flush_metrics()
    (written_by_powertools,) = emf_documents(capsys.readouterr().out)
    for document in (*documents, written_by_powertools):
        document["_aws"].pop("Timestamp")

    assert documents == [written_by_powertools, written_by_powertools]


def test_a_routes_own_metrics_go_out_with_its_request_only(capsys: pytest.CaptureFixture[str]) -> None:
    # Powertools' Metrics instances share one set: a route's own metric, added as Powertools
    # documents it, is written with the request that added it and with no other.
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    from tables_api.metrics import count_request

    capsys.readouterr()
    for placed in (False, True, False):
        if placed:
            Metrics().add_metric("OrdersPlaced", MetricUnit.Count, 1)
            Metrics().add_metadata("order", "o-1")
        count_request("POST /orders", 201)
        (document,) = emf_documents(capsys.readouterr().out)

        assert count(document, "Requests") == 1
        assert count(document, "OrdersPlaced") == (1 if placed else 0)
        assert ("order" in document) is placed
