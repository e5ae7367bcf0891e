"""The caller, everywhere it matters: a key of every log record (never its token or key), and
the scope of an ``Idempotency-Key`` (one caller's key never replays another caller's answer)."""

import io
import json
from typing import Any

import pytest

from tables_api.callers import caller_of
from tests.support.events import load_event
from tests.unit.conftest import Invoke, stubbed_table

TOKEN = "eyJraWQiOi.secret-token.signature"
API_KEY = "secret-partner-api-key-value"


def _as(event: dict[str, Any], sub: str | None = None, api_key_id: str | None = None) -> dict[str, Any]:
    """The event as API Gateway hands it on after its authorizer and API key checks."""
    if sub is not None:
        event["requestContext"]["authorizer"] = {"claims": {"sub": sub, "scope": "tables/read tables/write"}}
        event["headers"]["Authorization"] = f"Bearer {TOKEN}"
    if api_key_id is not None:
        event["requestContext"]["identity"].update(apiKeyId=api_key_id, apiKey=API_KEY)
        event["headers"]["x-api-key"] = API_KEY
    return event


@pytest.mark.parametrize(
    ("sub", "api_key_id", "signer", "caller"),
    [
        ("user-1", None, None, "cognito:user-1"),
        (None, "key-1", None, "apikey:key-1"),
        ("user-1", "key-1", None, "cognito:user-1 apikey:key-1"),
        (None, None, "arn:aws:iam::123456789012:user/service", "iam:arn:aws:iam::123456789012:user/service"),
        (None, None, None, None),
    ],
)
def test_each_identity_the_request_carries_is_named(
    sub: str | None, api_key_id: str | None, signer: str | None, caller: str | None
) -> None:
    event = _as(load_event("get_item"), sub, api_key_id)
    event["requestContext"]["identity"]["userArn"] = signer

    assert caller_of(event) == caller


def test_every_log_record_names_the_caller_and_never_its_credentials(
    dynamodb: object, info_logs: io.StringIO, invoke: Invoke
) -> None:
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
        stubber.add_client_error("update_item", "ValidationException", "bad")
        throttled = invoke(_as(load_event("put_item"), "user-1", "key-1"))
        failed = invoke(_as(load_event("put_item"), "user-2"))

    records = [json.loads(line) for line in info_logs.getvalue().splitlines() if line.startswith("{")]
    assert (throttled["statusCode"], failed["statusCode"]) == (503, 500)
    assert [record["caller"] for record in records] == ["cognito:user-1 apikey:key-1", "cognito:user-2"]
    assert TOKEN not in info_logs.getvalue()
    assert API_KEY not in info_logs.getvalue()


def test_an_anonymous_request_after_a_signed_in_one_is_logged_without_a_caller(
    dynamodb: object, info_logs: io.StringIO, invoke: Invoke
) -> None:
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
        stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
        invoke(_as(load_event("put_item"), "user-1"))
        invoke(load_event("put_item"))

    records = [json.loads(line) for line in info_logs.getvalue().splitlines() if line.startswith("{")]
    assert [record.get("caller") for record in records] == ["cognito:user-1", None]


@pytest.mark.parametrize(
    ("first", "second"), [(("user-1", None), ("user-2", None)), ((None, "k1"), (None, "k2"))]
)
def test_one_callers_idempotency_key_never_replays_another_callers_answer(
    seeded: None, invoke: Invoke, first: tuple[str | None, str | None], second: tuple[str | None, str | None]
) -> None:
    key = {"Idempotency-Key": "the-same-key"}

    created = invoke(_as(load_event("put_item", headers=key), *first))
    theirs = invoke(_as(load_event("put_item", headers=key), *second))
    replayed = invoke(_as(load_event("put_item", headers=key), *first))

    assert created["statusCode"] == 201
    assert theirs["statusCode"] == 200  # ran for the second caller: the item was there
    assert replayed["statusCode"] == 201  # the first caller's own answer, kept
