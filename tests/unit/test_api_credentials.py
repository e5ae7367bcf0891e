"""The HTTP tier's credentials (tests/support/credentials.py): each of template.yaml's caller
modes puts on a request what API Gateway checks, and a SigV4 signature verifies when
recomputed from the request as requests sends it."""

import re
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from tests.support.credentials import ApiCredentials, from_environment, region_of

STAGE = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"
TOKEN = "eyJraWQiOi.access-token.signature"
API_KEY = "partner-api-key-value"
AWS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SIGNED = ApiCredentials(aws_credentials=AWS, region="eu-west-1")
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<credential>[^,]+), SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


def prepared(auth: requests.auth.AuthBase, method: str = "GET", path: str = "/items", **kwargs: Any) -> Any:
    """The request as requests would send it, auth applied."""
    return requests.Request(method, STAGE + path, auth=auth, **kwargs).prepare()


def verify(
    request: Any, credentials: Credentials | ReadOnlyCredentials = AWS, region: str = "eu-west-1"
) -> dict[str, str]:
    """Recompute the request's SigV4 signature from what is sent, with botocore's own steps,
    and fail unless it is the one the request carries; the Authorization header's parts."""
    match = AUTHORIZATION.fullmatch(request.headers["Authorization"])
    assert match, request.headers["Authorization"]
    signed = match["signed"].split(";")
    body = request.body.encode() if isinstance(request.body, str) else request.body
    headers = {name: request.headers[name] for name in signed if name != "host"}
    sent = AWSRequest(method=request.method, url=request.url, headers=headers, data=body or b"")
    sent.context["timestamp"] = request.headers["X-Amz-Date"]
    signer = SigV4Auth(credentials, "execute-api", region)
    assert signer.signed_headers(signer.headers_to_sign(sent)) == match["signed"]
    canonical = signer.canonical_request(sent)
    expected = signer.signature(signer.string_to_sign(sent, canonical), sent)
    assert match["signature"] == expected, canonical
    return {**match.groupdict(), "canonical": canonical}


def test_nothing_set_sends_no_credentials() -> None:
    request = prepared(from_environment({}), "PUT", "/items/a", json={"value": "v"})

    assert not {"authorization", "x-api-key", "x-amz-date"} & {name.lower() for name in request.headers}


def test_a_token_is_sent_as_a_bearer_token() -> None:
    request = prepared(from_environment({"API_TOKEN": TOKEN}))

    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "x-api-key" not in request.headers


def test_a_key_is_sent_as_x_api_key() -> None:
    request = prepared(from_environment({"API_KEY": API_KEY}))

    assert request.headers["x-api-key"] == API_KEY
    assert "Authorization" not in request.headers


def test_a_key_and_a_token_are_both_sent() -> None:
    request = prepared(from_environment({"API_KEY": API_KEY, "API_TOKEN": TOKEN}))

    assert (request.headers["x-api-key"], request.headers["Authorization"]) == (API_KEY, f"Bearer {TOKEN}")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/items", {}),
        ("GET", "/items", {"params": {"limit": 2, "cursor": "x"}}),
        ("GET", "/items?limit=2&cursor=x", {}),
        ("PUT", "/items/a%2Fb", {"json": {"value": "v"}}),
        ("DELETE", "/records/a/b/c", {"headers": {"If-Match": '"1"'}}),
        ("PUT", "/items/caf%C3%A9%20%3F%23", {"data": '{"value": "any UTF-8: é"}'}),
        ("GET", "/records", {"params": {"status": "red green", "cursor": "a+b/c="}}),
    ],
)
def test_a_signed_request_verifies(method: str, path: str, kwargs: dict[str, Any]) -> None:
    request = prepared(SIGNED, method, path, **kwargs)

    parts = verify(request)

    assert (
        parts["credential"]
        == f"AKIDEXAMPLE/{request.headers['X-Amz-Date'][:8]}/eu-west-1/execute-api/aws4_request"
    )
    assert "host" in parts["signed"].split(";")


def test_a_key_slash_and_a_query_string_verify_as_sent() -> None:
    request = prepared(SIGNED, "GET", "/items/a%2Fb?limit=2&cursor=x")

    canonical = verify(request)["canonical"].splitlines()

    assert request.url == f"{STAGE}/items/a%2Fb?limit=2&cursor=x"  # signed as sent, not re-encoded
    # What API Gateway recomputes: the path as sent, encoded once more; the query sorted.
    assert canonical[:3] == ["GET", "/dev/items/a%252Fb", "cursor=x&limit=2"]


def test_a_query_is_sent_encoded_as_sigv4_canonicalizes_it() -> None:
    # API Gateway decodes the query and re-encodes it (RFC 3986, space as %20) to check the
    # signature, so the query is sent in that form: requests' "+" for a space would not verify.
    credentials = SIGNED
    params = {"status": "red green", "cursor": "a+b/c=:"}

    request = prepared(credentials, "GET", "/records", params=params)

    verify(request)
    assert request.url == f"{STAGE}/records?status=red%20green&cursor=a%2Bb%2Fc%3D%3A"
    unsigned = prepared(ApiCredentials(), "GET", "/records", params=params)
    assert unsigned.url == f"{STAGE}/records?status=red+green&cursor=a%2Bb%2Fc%3D%3A"  # untouched unsigned


def test_a_tampered_request_does_not_verify() -> None:
    # The check above can fail: the same signature on another path is not the one recomputed.
    request = prepared(SIGNED, "GET", "/items/a%2Fb")
    request.url = request.url.replace("a%2Fb", "a/b")

    with pytest.raises(AssertionError):
        verify(request)


def test_a_session_token_is_sent_and_signed() -> None:
    temporary = Credentials("ASIAEXAMPLE", "secret", "session-token")
    request = prepared(
        ApiCredentials(aws_credentials=temporary, region="eu-west-1"), "PUT", "/items/k", json={}
    )

    parts = verify(request, temporary)

    assert request.headers["X-Amz-Security-Token"] == "session-token"
    assert "x-amz-security-token" in parts["signed"].split(";")


def test_a_key_and_a_signature_are_both_sent() -> None:
    request = prepared(ApiCredentials(api_key=API_KEY, aws_credentials=AWS, region="eu-west-1"))

    verify(request)
    assert request.headers["x-api-key"] == API_KEY


def test_a_token_and_a_signature_cannot_combine() -> None:
    # Both go in Authorization, and no mode of template.yaml takes both.
    with pytest.raises(ValueError, match="API_TOKEN"):
        ApiCredentials(token=TOKEN, aws_credentials=AWS, region="eu-west-1")


def test_sigv4_takes_botocore_default_chain_and_the_region_of_api_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMCHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "chain-token")

    request = prepared(from_environment({"API_SIGV4": "1", "API_URL": STAGE}))

    parts = verify(request, Credentials("AKIDFROMCHAIN", "chain-secret", "chain-token"))
    assert parts["credential"].startswith("AKIDFROMCHAIN/")
    assert request.headers["X-Amz-Security-Token"] == "chain-token"


def test_api_region_overrides_the_host() -> None:
    environ = {"API_SIGV4": "1", "API_URL": "https://api.example.com/v1", "API_REGION": "ap-south-1"}

    request = prepared(from_environment(environ))

    assert "/ap-south-1/execute-api/" in verify(request, _chain(), "ap-south-1")["credential"]


def test_sigv4_without_a_region_says_what_to_set() -> None:
    with pytest.raises(ValueError, match="API_REGION"):
        from_environment({"API_SIGV4": "1", "API_URL": "https://api.example.com/v1"})


@pytest.mark.parametrize(
    ("url", "region"),
    [
        (STAGE, "eu-west-1"),
        ("https://a1b2c3.execute-api.us-east-1.amazonaws.com/prod/items", "us-east-1"),
        ("https://a1b2c3-vpce-0123.execute-api.cn-north-1.vpce.amazonaws.com.cn/dev", "cn-north-1"),
        ("https://api.example.com/v1", None),
        ("http://127.0.0.1:3000", None),
    ],
)
def test_the_region_of_an_execute_api_host(url: str, region: str | None) -> None:
    assert region_of(url) == region


def test_headers_for_signs_a_request_another_client_sends() -> None:
    # The README's curl lines: headers computed here, the request sent by curl.
    credentials = ApiCredentials(api_key=API_KEY, aws_credentials=AWS, region="eu-west-1")
    url = f"{STAGE}/items/http%3A%2F%2Fexample.com%2Fvideo"

    headers = credentials.headers_for("PUT", url, b'{"value": "example.com"}')

    sent = requests.Request("PUT", url, headers=headers, data=b'{"value": "example.com"}').prepare()
    verify(sent)
    assert headers["x-api-key"] == API_KEY


def test_the_environment_a_child_process_needs_gives_the_same_credentials() -> None:
    credentials = ApiCredentials(
        api_key=API_KEY, aws_credentials=Credentials("AK", "SK", "TK"), region="eu-west-1"
    )
    environment = credentials.environment()

    assert environment == {
        "API_KEY": API_KEY,
        "API_SIGV4": "1",
        "API_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "SK",
        "AWS_SESSION_TOKEN": "TK",
    }
    assert ApiCredentials(token=TOKEN).environment() == {"API_TOKEN": TOKEN}
    assert ApiCredentials().environment() == {}


def _chain() -> ReadOnlyCredentials:
    """What botocore's default chain gives in the tests: tests/conftest.py's fakes."""
    import botocore.session

    credentials = botocore.session.get_session().get_credentials()
    assert credentials is not None
    return credentials.get_frozen_credentials()
