"""What API Gateway checks before any function runs, for ``make start``: the template's
``ApiAuth``, ``ApiKeys`` and ``CorsAllowedOrigins`` with the parameters the local stack was
started with. SAM CLI's emulation checks none of them (it skips every non-Lambda authorizer).

Each check answers as the deployed API does: a refusal is the template's gateway response
of that type (status, headers, RFC 9457 body), CORS headers included. The order is API
Gateway's: the preflight (no credentials asked), then the authorizer (SigV4 or the Cognito
token with the route's scope), then the API key and its usage plan's rate and quota.
"""

import datetime
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from devstack.local_issuer import KEY_DIR, InvalidToken, LocalIssuer, write_once
from devstack.template import (
    condition_holds,
    parameter_values,
    resolve,
    resolve_conditions,
    resources_of_type,
)

# SigV4 locally: the credentials the README names (DynamoDB Local takes the same), and a
# principal for them, as API Gateway puts the signer in the event's requestContext.identity.
LOCAL_ACCESS_KEY_ID = "local"
LOCAL_SECRET_ACCESS_KEY = "local"  # noqa: S105 (a stand-in the README names)
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "000000000000"
LOCAL_PRINCIPAL = f"arn:aws:iam::{LOCAL_ACCOUNT}:user/local"
# How far a signature's X-Amz-Date may be from now (SigV4's own limit).
SIGNATURE_SKEW = datetime.timedelta(minutes=15)
# make start's API key (one, kept in .local/auth like the issuer's key pair).
LOCAL_API_KEY_ID = "localkey"
_QUOTA_PERIODS = {"DAY": "%Y-%m-%d", "WEEK": "%G-W%V", "MONTH": "%Y-%m"}


class Refused(Exception):
    """API Gateway's answer of this gateway response type; ``why`` is for the local log only."""

    def __init__(self, kind: str, why: str) -> None:
        super().__init__(kind, why)
        self.kind = kind
        self.why = why


@dataclass
class UsagePlan:
    """One key's rate, burst and quota, as API Gateway's usage plan counts them: a token
    bucket of ``burst`` refilled at ``rate`` a second, and ``quota`` requests a period."""

    rate: float
    burst: int
    quota: int
    period: str
    _tokens: float = field(init=False)
    _refilled: float = field(default_factory=time.monotonic)
    _used: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)

    def take(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            window = datetime.datetime.now(datetime.UTC).strftime(_QUOTA_PERIODS[self.period])
            if self._used.get(window, 0) >= self.quota:
                raise Refused(
                    "QUOTA_EXCEEDED", f"the key used its {self.quota} requests of this {self.period}"
                )
            if self._tokens < 1:
                raise Refused("THROTTLED", f"over the key's rate ({self.rate}/s, burst {self.burst})")
            self._tokens -= 1
            self._used = {window: self._used.get(window, 0) + 1}


@dataclass(frozen=True)
class Request:
    """What the checks read of a request: ``path`` is its raw path as sent (percent-encoded,
    as a signer signed it), ``route`` the template path it matched, or None for a preflight."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    route: str | None = None

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


@dataclass
class Gateway:
    """The checks of one local API, built from the template with its parameters."""

    auth: str
    scopes: dict[tuple[str, str], str]
    cors_origins: frozenset[str]
    preflight_headers: dict[str, str]
    responses: dict[str, dict[str, Any]]
    host: str
    issuer: LocalIssuer | None = None
    plan: UsagePlan | None = None
    api_key: str | None = None

    @classmethod
    def from_template(
        cls,
        template: dict[str, Any],
        overrides: dict[str, str],
        issuer_url: str,
        host: str,
        key_dir: Path = KEY_DIR,
    ) -> "Gateway":
        values = parameter_values(template, overrides)
        globals_api = template.get("Globals", {}).get("Api", {})
        (api,) = resources_of_type(template, "AWS::Serverless::Api").values()
        own = resolve(api["Properties"]["GatewayResponses"], template, values)
        responses = _merged(resolve(globals_api.get("GatewayResponses", {}), template, values), own)
        # The preflight's headers: the same on every path of the DefinitionBody (with CORS on).
        body: dict[str, Any] = (
            resolve_conditions(api["Properties"].get("DefinitionBody") or {}, template, values) or {}
        )
        paths: dict[str, Any] = body.get("paths", {})
        first_path: dict[str, Any] = next(iter(paths.values()), {})
        preflight: dict[str, Any] = first_path.get("options", {})
        answer = preflight.get("x-amazon-apigateway-integration", {}).get("responses", {}).get("default", {})
        preflight_headers = {
            name.removeprefix("method.response.header."): value.strip("'")
            for name, value in answer.get("responseParameters", {}).items()
        }
        scopes = {}
        for function in resources_of_type(template, "AWS::Serverless::Function").values():
            for event in function["Properties"].get("Events", {}).values():
                if event["Type"] != "Api":
                    continue
                route = (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
                auth = resolve_conditions(event["Properties"].get("Auth"), template, values) or {}
                for scope in auth.get("AuthorizationScopes", []):
                    scopes[route] = scope
        uses_keys = condition_holds("UsesApiKeys", template, values)
        origins = values.get("CorsAllowedOrigins", "")
        return cls(
            auth=values["ApiAuth"],
            scopes=scopes,
            cors_origins=frozenset(origin for origin in origins.split(",") if origin),
            preflight_headers=preflight_headers,
            responses=responses,
            host=host,
            issuer=LocalIssuer(issuer_url, key_dir) if values["ApiAuth"] == "COGNITO" else None,
            plan=UsagePlan(
                rate=float(values["ApiKeyRateLimit"]),
                burst=int(values["ApiKeyBurstLimit"]),
                quota=int(values["ApiKeyQuotaLimit"]),
                period=values["ApiKeyQuotaPeriod"],
            )
            if uses_keys
            else None,
            api_key=local_api_key(key_dir) if uses_keys else None,
        )

    def preflight(self, request: Request) -> tuple[int, dict[str, str], str] | None:
        """API Gateway's own answer to an ``OPTIONS`` when CORS is on (a mock integration: no
        function, no credentials); None when it is off, and ``OPTIONS`` is a method no
        route declares."""
        if not self.cors_origins:
            return None
        headers = dict(self.preflight_headers)
        origin = request.header("Origin")
        if origin in self.cors_origins:
            headers["Access-Control-Allow-Origin"] = origin
        return 204, headers, ""

    def admit(self, request: Request) -> dict[str, Any]:
        """The ``requestContext`` API Gateway adds for an admitted request (the authorizer's
        claims, the signer, the API key); raises :class:`Refused` otherwise."""
        context: dict[str, Any] = {"identity": {}}
        if self.auth not in ("AWS_IAM", "COGNITO", "NONE"):
            raise ValueError(f"ApiAuth={self.auth} is not a mode this local API Gateway knows")
        if self.auth == "AWS_IAM":
            context["identity"].update(self._signer(request))
        elif self.auth == "COGNITO" and self.issuer is not None:
            scope = self.scopes.get((request.method, request.route or ""), "")
            try:
                claims = self.issuer.verify(request.header("Authorization"), scope)
            except InvalidToken as err:
                raise Refused("UNAUTHORIZED", str(err)) from err
            context["authorizer"] = {"claims": {name: str(value) for name, value in claims.items()}}
        if self.plan is not None:
            sent = request.header("x-api-key")
            if not sent or not self.api_key or not hmac.compare_digest(sent.encode(), self.api_key.encode()):
                raise Refused("INVALID_API_KEY", "no x-api-key, or not make start's key")
            self.plan.take()
            context["identity"].update({"apiKey": sent, "apiKeyId": LOCAL_API_KEY_ID})
        return context

    def answer(self, kind: str, request: Request) -> tuple[int, dict[str, str], str]:
        """A gateway response as the template declares it: a header mapped from the request
        (``method.request.header.origin``) takes the request's value, or is left out."""
        response = self.responses[kind]
        headers = {}
        for name, value in response.get("ResponseParameters", {}).get("Headers", {}).items():
            if value.startswith("method.request.header."):
                sent = request.header(value.removeprefix("method.request.header."))
                if sent is not None:
                    headers[name] = sent
            else:
                headers[name] = value.strip("'")
        return int(response["StatusCode"]), headers, response["ResponseTemplates"]["application/json"]

    def _signer(self, request: Request) -> dict[str, str]:
        """The signer of a SigV4-signed request, verified against the local credentials by
        signing it again with botocore; API Gateway's 403s otherwise."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        authorization = request.header("Authorization") or ""
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            raise Refused("MISSING_AUTHENTICATION_TOKEN", "no SigV4 Authorization header")
        fields = dict(
            part.strip().split("=", 1)
            for part in authorization.removeprefix("AWS4-HMAC-SHA256 ").split(",")
            if "=" in part
        )
        try:
            access_key, day, region, service, _ = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            amz_date = request.header("X-Amz-Date") or ""
            sent_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        except (KeyError, ValueError) as err:
            raise Refused("INVALID_SIGNATURE", f"a malformed SigV4 Authorization header: {err}") from err
        if access_key != LOCAL_ACCESS_KEY_ID:
            raise Refused(
                "INVALID_SIGNATURE",
                f"access key {access_key!r} is not make start's ({LOCAL_ACCESS_KEY_ID!r})",
            )
        if abs(datetime.datetime.now(datetime.UTC) - sent_at) > SIGNATURE_SKEW:
            raise Refused("INVALID_SIGNATURE", f"signature expired: signed at {amz_date}")
        if (service, region) != ("execute-api", LOCAL_REGION) or not amz_date.startswith(day):
            raise Refused(
                "INVALID_SIGNATURE",
                f"signed for {service} in {region} on {day}, not execute-api in {LOCAL_REGION} today",
            )
        payload_hash = request.header("X-Amz-Content-Sha256")
        if payload_hash is not None and payload_hash != hashlib.sha256(request.body).hexdigest():
            raise Refused("INVALID_SIGNATURE", "X-Amz-Content-Sha256 is not the body's hash")
        headers = {name: value for name, value in request.headers.items() if name.lower() in signed}
        # The query as SigV4 canonicalises it: each name and value decoded, then encoded again
        # by botocore, whatever escapes the client chose on the wire.
        again = AWSRequest(
            method=request.method, url=f"http://{self.host}{request.path}", data=request.body, headers=headers
        )
        again.params = dict(parse_qsl(request.query, keep_blank_values=True))  # a name twice: refused
        again.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY), service, region)
        expected = signer.signature(signer.string_to_sign(again, signer.canonical_request(again)), again)
        if not hmac.compare_digest(expected.encode(), fields.get("Signature", "").encode()):
            raise Refused("INVALID_SIGNATURE", "the signature does not match the request")
        return {
            "accessKey": access_key,
            "accountId": LOCAL_ACCOUNT,
            "caller": LOCAL_PRINCIPAL,
            "user": LOCAL_PRINCIPAL,
            "userArn": LOCAL_PRINCIPAL,
        }


def local_api_key(key_dir: Path = KEY_DIR) -> str:
    """make start's API key, made once (40 characters, as API Gateway's own are)."""
    path = key_dir / "api-key"
    if not path.is_file():
        write_once(path, secrets.token_urlsafe(30).encode())
    return path.read_text().strip()


def _merged(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: maps merge key by key, anything else the resource's own wins."""
    merged = dict(defaults)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def describe(gateway: Gateway) -> list[str]:
    """What the local API enforces, for the start banner, with how to get credentials."""
    lines = []
    if gateway.auth == "AWS_IAM":
        lines.append(
            "auth: AWS_IAM, SigV4 checked: sign with AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local"
            " for execute-api in us-east-1 (.venv/bin/awscurl --service execute-api --region us-east-1 ...)"
        )
    elif gateway.auth == "COGNITO" and gateway.issuer is not None:
        lines.append(f"auth: COGNITO, access tokens of the local pool {gateway.issuer.issuer} checked")
        port = gateway.host.rsplit(":", 1)[-1]
        lines.append(
            f"  a token: make -s token PORT={port} SCOPES='tables/read tables/write'"
            "  (send Authorization: Bearer <token>)"
        )
    else:
        lines.append(
            "auth: NONE, every route open (PARAMETERS='ApiAuth=AWS_IAM' or 'ApiAuth=COGNITO' checks callers)"
        )
    if gateway.plan is not None:
        lines.append(
            f"API keys: x-api-key: {gateway.api_key}  (rate {gateway.plan.rate:g}/s,"
            f" burst {gateway.plan.burst},"
            f" quota {gateway.plan.quota} a {gateway.plan.period})"
        )
    if gateway.cors_origins:
        lines.append(f"CORS: pages of {', '.join(sorted(gateway.cors_origins))} may call")
    return lines
