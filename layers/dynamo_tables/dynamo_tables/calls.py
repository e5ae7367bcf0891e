"""One DynamoDB call at a time, with botocore's failures turned into this package's errors.

Every call of the table classes goes through ``call``: the one place where botocore errors
become the domain exceptions of ``errors.py``. Nothing is printed and swallowed, nothing
calls ``sys.exit``.
"""

import random
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from dynamo_tables.errors import InvalidCursor, Throttled, Unavailable
from dynamo_tables.shapes import Answer, AttributeMap, Params

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_UNAVAILABLE_CODES = _THROTTLING_CODES | frozenset(
    {
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
        # The same request (ClientRequestToken) is still being applied: retry shortly.
        "TransactionInProgressException",
    }
)

CONFLICT_ATTEMPTS = 4


class ConditionFailed(Exception):
    """A ``ConditionalCheckFailedException``, with the item as it was (None: there was none).

    Internal: the table classes turn it into ``NotFound``, ``VersionConflict`` or
    ``AlreadyExists``, which only they can tell apart.
    """

    def __init__(self, item: AttributeMap | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class _Conflict(Exception):
    """DynamoDB refused a request unapplied because a transaction held its item."""


def call(client: "DynamoDBClient", operation: str, params: Params) -> Answer:
    """Run one DynamoDB operation (a boto3 client method name) with its failures translated.

    A request that met a transaction in flight on its item (a delete) was refused unapplied,
    and that transaction ends within milliseconds: it goes again, a few times, before it
    counts as unavailable. botocore's retries do not cover it.

    Raises:
        ConditionFailed: its condition did not hold.
        Throttled: DynamoDB still refused for capacity after the SDK's retries.
        Unavailable: DynamoDB failed or did not answer after the SDK's retries, or kept
            refusing for a transaction in flight.
        botocore.exceptions.ClientError: any other refusal (a malformed request: a bug).
    """
    attempt = 1
    while True:
        try:
            return _call_once(client, operation, params)
        except _Conflict as conflict:
            if attempt == CONFLICT_ATTEMPTS:
                raise Unavailable(f"DynamoDB {operation}: {conflict}") from conflict
        time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not secrets
        attempt += 1


def call_from(client: "DynamoDBClient", operation: str, start: AttributeMap | None, params: Params) -> Answer:
    """A Scan or Query from ``start``, a start key a cursor gave.

    Raises:
        InvalidCursor: DynamoDB refused the start key; it has the last word on one,
            whatever was checked before.
        And what ``call`` raises.
    """
    if start:
        params = {**params, "ExclusiveStartKey": start}
    try:
        return call(client, operation, params)
    except ClientError as err:
        if start and err.response.get("Error", {}).get("Code") == "ValidationException":
            raise InvalidCursor("cursor is not one this API issued for this listing") from err
        raise


def pages(client: "DynamoDBClient", operation: str, params: Params) -> Iterator[Answer]:
    """Every page of a Scan or Query, following ``LastEvaluatedKey``; raises what ``call`` raises."""
    params = dict(params)
    while True:
        page = call(client, operation, params)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _call_once(client: "DynamoDBClient", operation: str, params: Params) -> Answer:
    try:
        response: Answer = getattr(client, operation)(**params)
    except ClientError as err:
        error = err.response.get("Error", {})
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.get("Code")
        if code == "ConditionalCheckFailedException":
            raise ConditionFailed(cast("AttributeMap | None", err.response.get("Item"))) from err
        if code == "TransactionCanceledException":
            reasons: list[dict[str, Any]] = err.response.get("CancellationReasons", [])  # type: ignore[assignment]
            failed = [reason for reason in reasons if reason.get("Code") == "ConditionalCheckFailed"]
            if failed:
                raise ConditionFailed(failed[0].get("Item")) from err
            if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                raise _Conflict("cancelled by a conflicting transaction") from err
            raise Unavailable(f"DynamoDB {operation} cancelled: {[r.get('Code') for r in reasons]}") from err
        if code == "TransactionConflictException":
            raise _Conflict("a transaction held the item") from err
        if code in _THROTTLING_CODES:
            raise Throttled(f"DynamoDB {operation} throttled: {code}") from err
        if code in _UNAVAILABLE_CODES or status >= 500:
            raise Unavailable(f"DynamoDB {operation} failed: {code}") from err
        raise
    except (BotocoreConnectionError, HTTPClientError) as err:
        raise Unavailable(f"DynamoDB {operation} did not answer: {type(err).__name__}") from err
    return response
