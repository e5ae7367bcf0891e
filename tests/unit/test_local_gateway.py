"""make start's checks of callers (devstack.gateway, devstack.local_issuer), each against what
template.yaml declares: the refusal's gateway response type, and what an admitted request
carries to its function. The HTTP tier runs the same through a served API."""

import datetime
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from devstack.__main__ import parameter_overrides
from devstack.dynamodb_local import SetupError
from devstack.gateway import LOCAL_PRINCIPAL, Gateway, Refused, Request
from devstack.local_issuer import LocalIssuer
from devstack.template import load_template, parameter_values, resources_of_type

HOST = "127.0.0.1:3000"
ISSUER = f"http://{HOST}/local-user-pool"
ORIGIN = "https://app.example.com"


def gateway(parameters: str, key_dir: Path) -> Gateway:
    overrides = dict(pair.split("=", 1) for pair in parameters.split())
    return Gateway.from_template(load_template(), overrides, ISSUER, HOST, key_dir)


def request(
    method: str = "GET", path: str = "/items/a", route: str = "/items/{key+}", **headers: str
) -> Request:
    return Request(
        method, path, "", {name.replace("_", "-"): value for name, value in headers.items()}, b"", route
    )


def refusal(gate: Gateway, sent: Request) -> str:
    with pytest.raises(Refused) as refused:
        gate.admit(sent)
    return refused.value.kind


@pytest.fixture
def cognito(tmp_path: Path) -> Gateway:
    return gateway("ApiAuth=COGNITO", tmp_path)


def test_the_scope_of_each_route_is_the_templates(cognito: Gateway) -> None:
    routes = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for function in resources_of_type(load_template(), "AWS::Serverless::Function").values()
        for event in function["Properties"]["Events"].values()
    }
    assert set(cognito.scopes) == routes
    assert {cognito.scopes[route] for route in routes if route[0] in ("GET", "HEAD")} == {"tables/read"}
    assert {cognito.scopes[route] for route in routes if route[0] not in ("GET", "HEAD")} == {"tables/write"}


def test_cognito_admits_a_token_with_the_routes_scope_and_hands_its_claims_on(cognito: Gateway) -> None:
    assert cognito.issuer is not None
    token = cognito.issuer.mint(["tables/read"], username="ana")
    context = cognito.admit(request(Authorization=f"Bearer {token}"))
    claims = context["authorizer"]["claims"]
    assert claims["username"] == "ana"
    assert claims["scope"] == "tables/read"
    assert all(isinstance(value, str) for value in claims.values())  # as API Gateway passes them
    assert cognito.admit(request(Authorization=token))["authorizer"]["claims"]["sub"] == claims["sub"]


@pytest.mark.parametrize(
    ("what", "mint"),
    [
        ("no token", None),
        ("not a JWT", lambda issuer: "not.a.token"),
        ("expired", lambda issuer: issuer.mint(["tables/read"], lifetime=-1)),
        ("an ID token", lambda issuer: issuer.mint(["tables/read"], token_use="id")),
        ("another client", lambda issuer: issuer.mint(["tables/read"], client_id="someone-else")),
        ("too few scopes", lambda issuer: issuer.mint(["tables/write"])),
    ],
)
def test_cognito_refuses_with_401(cognito: Gateway, what: str, mint: Any) -> None:
    headers = {} if mint is None else {"Authorization": f"Bearer {mint(cognito.issuer)}"}
    assert refusal(cognito, request(**headers)) == "UNAUTHORIZED", what


def test_a_token_of_another_key_or_issuer_is_refused(cognito: Gateway, tmp_path: Path) -> None:
    other_key = LocalIssuer(ISSUER, tmp_path / "elsewhere").mint(["tables/read"])
    assert refusal(cognito, request(Authorization=f"Bearer {other_key}")) == "UNAUTHORIZED"
    other_issuer = LocalIssuer("http://127.0.0.1:9/local-user-pool", cognito.issuer.key_dir)  # type: ignore[union-attr]
    assert refusal(cognito, request(Authorization=other_issuer.mint(["tables/read"]))) == "UNAUTHORIZED"


def test_a_read_token_writes_nothing(cognito: Gateway) -> None:
    assert cognito.issuer is not None
    token = cognito.issuer.mint(["tables/read"])
    for method in ("PUT", "DELETE"):
        assert refusal(cognito, request(method, Authorization=token)) == "UNAUTHORIZED"
    write = cognito.issuer.mint(["tables/write"])
    assert (
        cognito.admit(request("PUT", Authorization=write))["authorizer"]["claims"]["scope"] == "tables/write"
    )


def signed(
    method: str,
    path: str,
    body: bytes = b"",
    secret: str = "local",  # noqa: S107 - make start's stand-in credentials
    when: str | None = None,
    key: str = "local",
) -> Request:
    """A request as an AWS SDK or awscurl signs it, then as the local API receives it."""
    sent = AWSRequest(
        method=method, url=f"http://{HOST}{path}", data=body, headers={"Content-Type": "application/json"}
    )
    auth = SigV4Auth(Credentials(key, secret), "execute-api", "us-east-1")
    if when is None:
        auth.add_auth(sent)
    else:  # an old signature: signed at `when`, as add_auth would have then
        sent.context["timestamp"] = when
        sent.headers["X-Amz-Date"] = when
        sent.headers["Host"] = HOST
        signature = auth.signature(auth.string_to_sign(sent, auth.canonical_request(sent)), sent)
        scope = f"local/{when[:8]}/us-east-1/execute-api/aws4_request"
        signed_headers = "content-type;host;x-amz-date"
        sent.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={signed_headers}, Signature={signature}"
        )
    headers = {"Host": HOST, **dict(sent.headers.items())}
    raw, _, query = path.partition("?")
    return Request(method, raw, query, headers, body, "/items/{key+}")


def test_iam_admits_a_signature_of_the_local_credentials(tmp_path: Path) -> None:
    iam = gateway("ApiAuth=AWS_IAM", tmp_path)
    identity = iam.admit(signed("PUT", "/items/a%2Fb?x=1", b'{"value": 1}'))["identity"]
    assert identity["userArn"] == LOCAL_PRINCIPAL
    assert identity["accessKey"] == "local"


def test_iam_refuses_what_api_gateway_refuses(tmp_path: Path) -> None:
    iam = gateway("ApiAuth=AWS_IAM", tmp_path)
    assert refusal(iam, request()) == "MISSING_AUTHENTICATION_TOKEN"
    assert refusal(iam, signed("GET", "/items/a", secret="wrong")) == "INVALID_SIGNATURE"
    assert refusal(iam, signed("GET", "/items/a", key="someone")) == "INVALID_SIGNATURE"
    good = signed("PUT", "/items/a", b'{"value": 1}')
    for tampered in (
        Request(good.method, good.path, good.query, good.headers, b'{"value": 2}', good.route),
        Request(good.method, "/items/b", good.query, good.headers, good.body, good.route),
        Request("DELETE", good.path, good.query, good.headers, good.body, good.route),
    ):
        assert refusal(iam, tampered) == "INVALID_SIGNATURE"
    an_hour_ago = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    assert refusal(iam, signed("GET", "/items/a", when=an_hour_ago)) == "INVALID_SIGNATURE"


def test_api_keys_come_after_the_authorizer_and_count_against_the_plan(tmp_path: Path) -> None:
    keys = gateway(
        "ApiAuth=NONE ApiKeys=true ApiKeyRateLimit=1 ApiKeyBurstLimit=2 ApiKeyQuotaLimit=3", tmp_path
    )
    assert keys.api_key
    assert refusal(keys, request()) == "INVALID_API_KEY"
    assert refusal(keys, request(x_api_key=keys.api_key[:-1] + "x")) == "INVALID_API_KEY"
    assert keys.admit(request(x_api_key=keys.api_key))["identity"]["apiKeyId"] == "localkey"
    keys.admit(request(x_api_key=keys.api_key))
    assert refusal(keys, request(x_api_key=keys.api_key)) == "THROTTLED"  # the burst of 2 is spent
    assert keys.plan is not None
    keys.plan._refilled -= 1  # a second later
    keys.admit(request(x_api_key=keys.api_key))
    keys.plan._refilled -= 5
    assert refusal(keys, request(x_api_key=keys.api_key)) == "QUOTA_EXCEEDED"
    both = gateway("ApiAuth=COGNITO ApiKeys=true", tmp_path)
    assert refusal(both, request(x_api_key=both.api_key or "")) == "UNAUTHORIZED"


def test_no_cors_unless_asked(tmp_path: Path) -> None:
    plain = gateway("ApiAuth=NONE", tmp_path)
    assert plain.preflight(request("OPTIONS", Origin=ORIGIN)) is None
    status, headers, _ = plain.answer("UNAUTHORIZED", request(Origin=ORIGIN))
    assert status == 401
    assert "Access-Control-Allow-Origin" not in headers


def test_a_preflight_names_only_an_allowed_origin(tmp_path: Path) -> None:
    cors = gateway(f"ApiAuth=COGNITO CorsAllowedOrigins=http://localhost:5173,{ORIGIN}", tmp_path)
    answer = cors.preflight(request("OPTIONS", Origin=ORIGIN))
    assert answer is not None
    status, headers, _ = answer
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {name.lower() for name in headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
        "if-none-match",
        "x-api-key",
    } <= allowed
    assert set(headers["Access-Control-Allow-Methods"].split(",")) == {
        "GET",
        "HEAD",
        "PUT",
        "PATCH",
        "DELETE",
    }
    other = cors.preflight(request("OPTIONS", Origin="https://evil.example"))
    assert other is not None
    assert "Access-Control-Allow-Origin" not in other[1]


@pytest.mark.parametrize(
    "kind", ["UNAUTHORIZED", "INVALID_API_KEY", "THROTTLED", "QUOTA_EXCEEDED", "ACCESS_DENIED"]
)
def test_a_refusal_is_a_problem_a_page_can_read(tmp_path: Path, kind: str) -> None:
    cors = gateway(f"ApiAuth=COGNITO ApiKeys=true CorsAllowedOrigins={ORIGIN}", tmp_path)
    status, headers, body = cors.answer(kind, request(Origin=ORIGIN))
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert json.loads(body)["status"] == status


def test_a_signature_covers_the_body_its_hash_header_names_and_its_region(tmp_path: Path) -> None:
    iam = gateway("ApiAuth=AWS_IAM", tmp_path)
    body = b'{"value": "original"}'
    sent = AWSRequest(
        method="PUT",
        url=f"http://{HOST}/items/c",
        data=body,
        headers={"X-Amz-Content-Sha256": hashlib.sha256(body).hexdigest()},
    )
    SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1").add_auth(sent)
    headers = {"Host": HOST, **dict(sent.headers.items())}
    assert iam.admit(Request("PUT", "/items/c", "", headers, body, "/items/{key+}"))
    tampered = Request("PUT", "/items/c", "", headers, b'{"value": "tampered"}', "/items/{key+}")
    assert refusal(iam, tampered) == "INVALID_SIGNATURE"

    elsewhere = AWSRequest(method="GET", url=f"http://{HOST}/items/c", headers={})
    SigV4Auth(Credentials("local", "local"), "execute-api", "eu-west-1").add_auth(elsewhere)
    headers = {"Host": HOST, **dict(elsewhere.headers.items())}
    assert refusal(iam, Request("GET", "/items/c", "", headers, b"", "/items/{key+}")) == "INVALID_SIGNATURE"


@pytest.mark.parametrize(
    "params", [{"status": "gr een"}, {"cursor": "a+b=="}, {"limit": "2", "cursor": "x/y~z"}, {"empty": ""}]
)
def test_a_query_verifies_however_the_client_escaped_it(tmp_path: Path, params: dict[str, str]) -> None:
    iam = gateway("ApiAuth=AWS_IAM", tmp_path)
    sent = AWSRequest(method="GET", url=f"http://{HOST}/items", params=params, headers={})
    SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1").add_auth(sent)
    wire = sent.prepare()  # as it crosses the network: requests' own escapes ("+" for a space)
    path, _, query = str(wire.url).removeprefix(f"http://{HOST}").partition("?")
    headers = {"Host": HOST, **dict(wire.headers.items())}
    assert iam.admit(Request("GET", path, query, headers, b"", "/items"))["identity"]["accessKey"] == "local"


def test_credentials_that_are_not_ascii_are_refused_not_a_crash(tmp_path: Path) -> None:
    iam = gateway("ApiAuth=AWS_IAM", tmp_path)
    good = signed("GET", "/items/a")
    authorization = good.header("Authorization") or ""
    bad = {**good.headers, "Authorization": authorization.rsplit("=", 1)[0] + "=\u00e9"}
    assert refusal(iam, Request("GET", good.path, "", bad, b"", good.route)) == "INVALID_SIGNATURE"
    keys = gateway("ApiAuth=NONE ApiKeys=true", tmp_path)
    assert refusal(keys, request(x_api_key="\u00e9")) == "INVALID_API_KEY"


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ("ApiAuth=Cognito", "ApiAuth=Cognito is not one of AWS_IAM, COGNITO, NONE"),
        ("ApiKey=true", "ApiKey is not a parameter"),
        ("ApiKeyRateLimit=0", "ApiKeyRateLimit=0 is not a number of at least 1"),
        ("CorsAllowedOrigins=app.example.com", "CorsAllowedOrigins=app.example.com does not match"),
        # the template's Rules, as CloudFormation checks them before it changes anything
        (
            "ExistingComplexTableName=ComplexSchemaTableName StatusIndexShards=8",
            "With ExistingComplexTableName, StatusIndexShards must be 0",
        ),
        (
            "ExistingComplexTableName=ComplexSchemaTableName StatusIndexShardsBefore=8",
            "With ExistingComplexTableName, StatusIndexShards must be 0",
        ),
    ],
)
def test_make_start_refuses_parameters_a_deploy_would_refuse(overrides: str, refused: str) -> None:
    # A mistyped ApiAuth served an open API where sam deploy would have stopped.
    with pytest.raises(SetupError, match=re.escape(refused)):
        parameter_overrides(overrides)


def test_parameters_given_start_from_the_templates_defaults_as_a_deploy_does() -> None:
    assert parameter_overrides("") == {}  # make start then serves the dev stack, ApiAuth=NONE
    keys_only = parameter_values(load_template(), parameter_overrides("ApiKeys=true"))
    assert (keys_only["ApiAuth"], keys_only["ApiKeys"]) == ("AWS_IAM", "true")
