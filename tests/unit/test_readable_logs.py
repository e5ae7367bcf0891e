"""`make start` prints what the functions log as short readable lines: the same records
CloudWatch gets (Powertools' JSON logs, the metrics' EMF documents), taken here from what a
real handler printed, never typed by hand."""

import io
import re

import pytest

from devstack.logs import readable
from tests.support.events import load_event
from tests.unit.conftest import Invoke, stubbed_table


def test_a_fault_and_its_metrics_read_as_one_line_each(
    dynamodb: object, invoke: Invoke, info_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("put_item")
    event["requestContext"]["requestId"] = "req-readable-1"
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
        capsys.readouterr()
        assert invoke(event)["statusCode"] == 503
    printed = info_logs.getvalue().splitlines() + capsys.readouterr().out.splitlines()

    shown = [readable(line) for line in printed]

    (warning,) = [line for line in shown if line and "DynamoDB unavailable" in line]
    # cold_start shows only on a sandbox's first request, which this one may be
    assert re.fullmatch(
        r"WARNING DynamoDB unavailable  (cold_start=True )?correlation_id=req-readable-1 "
        r"reason=DynamoDB update_item throttled: ThrottlingException",
        warning,
    ), warning
    (metrics,) = [line for line in shown if line and line.startswith("metrics")]
    assert metrics == "metrics PUT /items/{key+}: Requests=1 ServerErrors=1 Throttles=1"


def test_lines_that_are_not_json_pass_as_they_are() -> None:
    for line in ("START RequestId: 1 Version: $LATEST", "{not json", "[1, 2]", ""):
        assert readable(line) == line


def test_every_field_a_log_record_carries_beyond_the_usual_is_kept() -> None:
    record = (
        '{"level":"INFO","message":"m","timestamp":"t","service":"s","location":"x:1",'
        '"cold_start":%s,"k":"v"}'
    )
    assert readable(record % "true") == "INFO m  cold_start=True k=v"
    assert readable(record % "false") == "INFO m  k=v"


def test_an_error_reads_as_its_line_then_its_traceback_once(
    dynamodb: object, invoke: Invoke, info_logs: io.StringIO
) -> None:
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ValidationException", "a bug of the function's")
        assert invoke(load_event("put_item"))["statusCode"] == 500
    (record,) = [line for line in info_logs.getvalue().splitlines() if "unhandled error" in line]

    first, *traceback = readable(record).splitlines()

    assert first.startswith("ERROR unhandled error  ")
    assert "stack_trace" not in first
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1].startswith("botocore.exceptions.ClientError: An error occurred (ValidationException")
