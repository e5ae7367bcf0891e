"""DynamoDB's failures become domain exceptions at the layer's one edge."""

from collections.abc import Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from dynamo_tables import (
    AlreadyExists,
    ComplexTableClass,
    Precondition,
    SimpleTableClass,
    Unavailable,
    VersionConflict,
)

UNAVAILABLE_ERRORS = [
    ("ProvisionedThroughputExceededException", 400),
    ("ThrottlingException", 400),
    ("RequestLimitExceeded", 400),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
]


@pytest.mark.parametrize(("code", "status"), UNAVAILABLE_ERRORS)
def test_throttling_and_server_errors_become_unavailable(code: str, status: int) -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error("get_item", service_error_code=code, http_status_code=status)
        with pytest.raises(Unavailable):
            SimpleTableClass(client=client).get_value("k")


def test_a_conditional_failure_without_the_old_item_is_not_found() -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error("update_item", service_error_code="ConditionalCheckFailedException")
        with pytest.raises(Exception, match="no record") as raised:
            ComplexTableClass(client=client).set_status("r", "green")
    assert type(raised.value).__name__ == "NotFound"


def test_other_client_errors_are_not_disguised() -> None:
    # A bug (say, a malformed request) must stay loud: it is a 500, never a 503 or 4xx.
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error("get_item", service_error_code="ValidationException")
        with pytest.raises(ClientError):
            SimpleTableClass(client=client).get_value("k")


def test_an_unreachable_endpoint_becomes_unavailable() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    client = boto3.client(
        "dynamodb",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=0.5),
    )
    with pytest.raises(Unavailable):
        SimpleTableClass(client=client).get_value("k")


OLD_RECORD = {
    "AttributeOneKey": {"S": "r"},
    "AttributeTwoKey": {"S": "green"},
    "AttributeThreeKey": {"S": "2026-11-24T22:15:48.123Z"},
    "Version": {"N": "3"},
}


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (lambda records: records.set_status("r", "red", Precondition(versions=(2,))), VersionConflict),
        (
            lambda records: records.put_record("r", "red", None, Precondition(must_not_exist=True)),
            AlreadyExists,
        ),
    ],
    ids=["stale If-Match", "create-only"],
)
def test_a_conditional_failure_with_the_old_item_says_which_precondition_failed(
    write: Callable[[ComplexTableClass], object], error: type[Exception]
) -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "update_item",
            service_error_code="ConditionalCheckFailedException",
            modeled_fields={"Item": OLD_RECORD},
        )
        with pytest.raises(error):
            write(ComplexTableClass(client=client))


def test_a_throttled_write_is_unavailable_and_reports_nothing_written() -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "update_item", "ProvisionedThroughputExceededException", http_status_code=400
        )
        with pytest.raises(Unavailable):
            ComplexTableClass(client=client).put_record("r", "green", {"n": 1})
        stubber.assert_no_pending_responses()


def test_a_write_that_met_a_transaction_in_flight_is_retried() -> None:
    # DynamoDB refused it unapplied (another transaction, a delete, held the item): safe to send again.
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error("update_item", "TransactionConflictException", http_status_code=400)
        stubber.add_client_error("update_item", "TransactionConflictException", http_status_code=400)
        stubber.add_response("update_item", {})
        record, created = ComplexTableClass(client=client).put_record("r", "green")
        stubber.assert_no_pending_responses()

    assert (record.version, created) == (1, True)


def test_a_delete_cancelled_by_a_conflict_is_retried() -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            http_status_code=400,
            response_meta={},
            modeled_fields={"CancellationReasons": [{"Code": "TransactionConflict"}]},
        )
        stubber.add_response("transact_write_items", {})
        SimpleTableClass(client=client).delete_value("k")

        stubber.assert_no_pending_responses()  # the cancelled delete went again, once
        stubber.assert_no_pending_responses()


def test_a_conflict_that_lasts_is_unavailable() -> None:
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        for _ in range(10):
            stubber.add_client_error("update_item", "TransactionConflictException", http_status_code=400)
        with pytest.raises(Unavailable):
            ComplexTableClass(client=client).set_status("r", "red")
