"""make start checks callers as a deployed stack with the same parameters would: a Cognito
token with the route's scope and a partner's API key (``cognito_api``), or a SigV4 signature
(``iam_api``). Every refusal is API Gateway's problem before any function runs; an admitted
request reaches its function as the caller it is (its log records, its Idempotency-Key)."""

import time
from typing import Any

import jwt
import requests
from botocore.credentials import Credentials

from tests.http.conftest import TIMEOUT, GuardedApi
from tests.support.credentials import ApiCredentials

READ, WRITE = "tables/read", "tables/write"


def call(
    api: GuardedApi, method: str, path: str, token: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"x-api-key": api.api_key, **kwargs.pop("headers", {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{api.url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def assert_problem(answer: requests.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == status
    return problem


def test_no_token_a_wrong_one_or_too_few_scopes_get_401_and_change_nothing(
    cognito_api: GuardedApi, uid: str
) -> None:
    path = f"/items/{uid}"
    reader = cognito_api.token(READ)
    for token in (None, "not-a-token", cognito_api.token(READ, lifetime=-5), reader):
        answer = call(cognito_api, "PUT", path, token, json={"value": "v"})
        assert_problem(answer, 401)
        assert answer.headers["WWW-Authenticate"] == "Bearer"

    assert call(cognito_api, "GET", path, reader).status_code == 404  # nothing was written


def test_the_right_scope_reads_and_writes(cognito_api: GuardedApi, uid: str) -> None:
    path = f"/items/{uid}"
    written = call(cognito_api, "PUT", path, cognito_api.token(WRITE), json={"value": "v"})
    assert written.status_code == 201, written.text

    read = call(cognito_api, "GET", path, cognito_api.token(READ))
    assert read.status_code == 200
    assert read.json() == {"key": uid, "value": "v"}


def test_a_token_without_a_key_of_the_plan_gets_403(cognito_api: GuardedApi, uid: str) -> None:
    token = cognito_api.token(READ)
    for key in ("", "not-the-key"):
        answer = call(cognito_api, "GET", f"/items/{uid}", token, headers={"x-api-key": key})
        assert_problem(answer, 403)


def test_one_users_idempotency_key_never_replays_for_another(cognito_api: GuardedApi, uid: str) -> None:
    key = {"Idempotency-Key": f"{uid}-shared"}
    path = f"/records/{uid}"
    ana = cognito_api.token(READ, WRITE, username="ana")
    bob = cognito_api.token(READ, WRITE, username="bob")
    first = call(cognito_api, "PUT", path, ana, json={"status": "green"}, headers=key)
    assert first.status_code == 201, first.text

    # The same key from another user, with another body: under one scope it would be the
    # first answer replayed, or a 422 for a key reused with another payload.
    second = call(cognito_api, "PUT", path, bob, json={"status": "red"}, headers=key)

    assert second.status_code == 200, second.text
    assert second.json()["status"] == "red"
    assert call(cognito_api, "GET", path, ana).json()["status"] == "red"


def test_the_local_log_says_why_a_token_was_refused_never_the_token(
    cognito_api: GuardedApi, uid: str
) -> None:
    token = cognito_api.token(READ)
    assert call(cognito_api, "DELETE", f"/items/{uid}", token).status_code == 401

    log = _eventually_in(cognito_api, f"DELETE /items/{uid}: the token's scopes 'tables/read' do not include")
    assert token not in log
    assert token.split(".")[2] not in log  # nor its signature


def test_a_preflight_is_answered_without_credentials(cognito_api: GuardedApi, page_origin: str) -> None:
    answer = requests.options(
        f"{cognito_api.url}/items/any",
        headers={"Origin": page_origin, "Access-Control-Request-Method": "PUT"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == page_origin


def signed(method: str, url: str, body: bytes = b"", secret: str = "local") -> requests.Response:  # noqa: S107
    """As an AWS SDK or awscurl sends it, with the credentials the README names."""
    credentials = ApiCredentials(aws_credentials=Credentials("local", secret), region="us-east-1")
    return requests.request(method, url, data=body, auth=credentials, timeout=TIMEOUT)


def test_iam_takes_a_signature_of_the_local_credentials(iam_api: GuardedApi, uid: str) -> None:
    url = f"{iam_api.url}/items/{uid}%2Fwith%2Fslashes"
    assert signed("PUT", url, b'{"value": "v"}').status_code == 201
    assert signed("GET", url).json() == {"key": f"{uid}/with/slashes", "value": "v"}


def test_iam_refuses_unsigned_and_wrongly_signed_requests(iam_api: GuardedApi, uid: str) -> None:
    url = f"{iam_api.url}/items/{uid}"
    assert_problem(requests.put(url, json={"value": "v"}, timeout=TIMEOUT), 403)
    assert_problem(signed("PUT", url, b'{"value": "v"}', secret="wrong"), 403)
    assert signed("GET", url).status_code == 404  # nothing was written


def _eventually_in(api: GuardedApi, text: str, timeout: float = 10) -> str:
    """The local log once it holds ``text`` (a function's lines arrive a little after its answer)."""
    deadline = time.monotonic() + timeout
    while True:
        log = api.log.read_text()
        if text in log or time.monotonic() > deadline:
            assert text in log
            return log
        time.sleep(0.1)


def test_the_start_banner_says_what_is_checked_and_how_to_call(cognito_api: GuardedApi) -> None:
    banner = cognito_api.log.read_text().partition("Press Ctrl-C")[0]
    port = cognito_api.url.rsplit(":", 1)[1]

    assert f"auth: COGNITO, access tokens of the local pool {cognito_api.issuer.issuer} checked" in banner
    assert f"make -s token PORT={port} SCOPES=" in banner
    assert f"x-api-key: {cognito_api.api_key}  (rate 50/s, burst 100" in banner
    # SAM CLI's own lines, one per route, said that nothing would be authorized; and Flask's warning.
    assert "Authorizer '" not in banner
    assert "development server" not in banner


def test_the_local_pool_serves_the_key_its_tokens_are_signed_with(cognito_api: GuardedApi) -> None:
    jwks = requests.get(f"{cognito_api.issuer.issuer}/.well-known/jwks.json", timeout=TIMEOUT).json()
    token = cognito_api.token(READ)

    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=cognito_api.issuer.issuer)
    assert claims["scope"] == READ
