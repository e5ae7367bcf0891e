"""CORS on the functions' own answers (template parameter ``CorsAllowedOrigins``): an allowed
``Origin`` gets the headers a page needs to read any answer, a success or a problem; any other
origin, and every origin when the parameter is empty, gets none."""

from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from devstack.runtime import import_file
from devstack.template import function_code_dir
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

ALLOWED = "https://app.example.com"
ALSO_ALLOWED = "http://localhost:5173"


@pytest.fixture
def cors_on(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> dict[str, ModuleType]:
    """Handlers started (their cold start reads the variable) with two origins allowed."""
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{ALLOWED}, {ALSO_ALLOWED}")
    return {
        name: import_file(function_code_dir(name) / "app.py", f"cors_{name}")
        for name in ("PutItemFunction", "GetItemFunction")
    }


def _headers(response: dict[str, Any]) -> dict[str, str]:
    single = response.get("headers") or {}
    multi = {name: ",".join(values) for name, values in (response.get("multiValueHeaders") or {}).items()}
    return {**single, **multi}


def _call(handler: ModuleType, name: str, origin: str | None, **overrides: Any) -> dict[str, str]:
    event = load_event(name, **overrides)
    if origin is not None:
        event["headers"]["Origin"] = origin
        event["multiValueHeaders"]["Origin"] = [origin]
    response: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return {"status": str(response["statusCode"]), **_headers(response)}


@pytest.mark.parametrize("origin", [ALLOWED, ALSO_ALLOWED])
@pytest.mark.parametrize(
    ("function", "event", "overrides", "status"),
    [
        ("PutItemFunction", "put_item", {}, "201"),
        ("PutItemFunction", "put_item", {"raw_body": "{"}, "400"),
        ("PutItemFunction", "put_item", {"body": {"valu": "typo"}}, "422"),
        ("GetItemFunction", "get_item_missing_404", {}, "404"),
    ],
)
def test_an_allowed_origin_can_read_every_answer(
    cors_on: dict[str, ModuleType],
    origin: str,
    function: str,
    event: str,
    overrides: dict[str, Any],
    status: str,
) -> None:
    answer = _call(cors_on[function], event, origin, **overrides)

    assert answer["status"] == status
    assert answer["Access-Control-Allow-Origin"] == origin
    assert set(answer["Access-Control-Expose-Headers"].split(",")) == {"ETag", "Location", "Retry-After"}
    assert {
        "Authorization",
        "Idempotency-Key",
        "If-Match",
        "If-None-Match",
        "X-Api-Key",
        "Content-Type",
    } <= set(answer["Access-Control-Allow-Headers"].split(","))
    assert answer["Vary"] == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://app.example.com.evil.example", None])
def test_another_origin_gets_no_cors_header(cors_on: dict[str, ModuleType], origin: str | None) -> None:
    answer = _call(cors_on["PutItemFunction"], "put_item", origin)

    assert answer["status"] == "201"
    assert [name for name in answer if name.startswith("Access-Control-")] == []


def test_without_the_parameter_no_answer_carries_cors_headers(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    handler = import_file(function_code_dir("PutItemFunction") / "app.py", "cors_off_PutItemFunction")

    answer = _call(handler, "put_item", ALLOWED)

    assert answer["status"] == "201"
    assert [name for name in answer if name.startswith("Access-Control-") or name == "Vary"] == []


def test_a_503_and_a_replayed_answer_are_readable_too(cors_on: dict[str, ModuleType]) -> None:
    handler = cors_on["PutItemFunction"]
    key = {"Idempotency-Key": "cors-replay"}
    first = _call(handler, "put_item", ALLOWED, headers=key)
    replayed = _call(handler, "put_item", ALLOWED, headers=key)
    table = handler.items
    original, table.dynamodb = table.dynamodb, boto3.client("dynamodb")
    try:
        with Stubber(table.dynamodb) as stubber:
            stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
            busy = _call(handler, "put_item", ALLOWED)
    finally:
        table.dynamodb = original

    assert (first["status"], replayed["status"], busy["status"]) == ("201", "201", "503")
    assert replayed["Access-Control-Allow-Origin"] == busy["Access-Control-Allow-Origin"] == ALLOWED
    assert "Retry-After" in busy["Access-Control-Expose-Headers"].split(",")


def test_the_functions_allow_the_headers_the_preflight_allows() -> None:
    # Two lists, one in the template (API Gateway's preflight), one in the layer (which
    # cannot read the template at run time): a header allowed by one only is a page's bug.
    from devstack.template import raw_template
    from tables_api.app import CORS_REQUEST_HEADERS

    preflight = raw_template()["Mappings"]["Preflight"]["Allow"]["Headers"].strip("'")
    assert {name.lower() for name in preflight.split(",")} == {name.lower() for name in CORS_REQUEST_HEADERS}
