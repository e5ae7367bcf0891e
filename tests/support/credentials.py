"""Credentials for the HTTP tier, so it runs against a stage in any caller mode of template.yaml.

Chosen from the environment (``from_environment``), alongside ``API_URL``:

- ``API_TOKEN``: sent as ``Authorization: Bearer <token>`` (``ApiAuth=COGNITO``: an access
  token of the stage's user pool, holding tables/read and tables/write).
- ``API_KEY``: sent as ``x-api-key`` (``ApiKeys=true``: a key of the stage's usage plan).
- ``API_SIGV4=1``: every request signed with SigV4 for ``execute-api`` (``ApiAuth=AWS_IAM``),
  with the credentials of botocore's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO...)
  and the region of ``API_REGION``, else the one in API_URL's execute-api host.

A key combines with a token or a signature; a token and a signature both need Authorization,
so they do not. Nothing set: no credentials, as ``ApiAuth=NONE`` and ``make start`` take.
``ApiCredentials(...)`` takes the same values explicitly (e.g. a local API's SigV4 key).
"""

import os
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

# {api-id}.execute-api.{region}.amazonaws.com, also a VPC endpoint's and China's hosts.
EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$")


def region_of(api_url: str) -> str | None:
    """The region in an execute-api URL's host; None for any other host (a custom domain)."""
    match = EXECUTE_API_HOST.search(urlsplit(api_url).hostname or "")
    return match.group(1) if match else None


class ApiCredentials(requests.auth.AuthBase):
    """A requests auth adding a caller's credentials to each request: pass as ``auth=``."""

    def __init__(
        self,
        token: str | None = None,
        api_key: str | None = None,
        aws_credentials: Credentials | None = None,
        region: str | None = None,
    ) -> None:
        if token and aws_credentials:
            raise ValueError("API_TOKEN and API_SIGV4 both need the Authorization header: set one")
        if aws_credentials and not region:
            raise ValueError("SigV4 needs a region: set API_REGION (API_URL's host names none)")
        self.token = token
        self.api_key = api_key
        self.aws_credentials = aws_credentials
        self.region = region

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.aws_credentials:
            # Signed as sent: the query in its canonical form, a text body as its UTF-8 bytes.
            request.url = _canonical_query(request.url or "")
            if isinstance(request.body, str):
                request.body = request.body.encode()
        body = request.body if isinstance(request.body, bytes) else b""
        request.headers.update(self.headers_for(request.method or "GET", request.url or "", body))
        return request

    def headers_for(self, method: str, url: str, body: bytes = b"") -> dict[str, str]:
        """The headers that give a request to ``url`` these credentials, for any client to
        send (the README's curl lines); the URL must already be in its canonical form."""
        headers = {"x-api-key": self.api_key} if self.api_key else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.aws_credentials:
            # Frozen per request: refreshable credentials could change between two reads.
            frozen: ReadOnlyCredentials = self.aws_credentials.get_frozen_credentials()
            signed = AWSRequest(method=method, url=url, data=body)
            signer = SigV4Auth(frozen, "execute-api", self.region or "")  # a region: see __init__
            signer.add_auth(signed)
            headers.update({name: str(value) for name, value in signed.headers.items()})
        return headers

    def environment(self) -> dict[str, str]:
        """The variables that give a child process (schemathesis) these same credentials."""
        environment = {"API_TOKEN": self.token, "API_KEY": self.api_key}
        if self.aws_credentials:
            frozen = self.aws_credentials.get_frozen_credentials()
            environment |= {
                "API_SIGV4": "1",
                "API_REGION": self.region,
                "AWS_ACCESS_KEY_ID": frozen.access_key,
                "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
                "AWS_SESSION_TOKEN": frozen.token,
            }
        return {name: value for name, value in environment.items() if value}


def from_environment(environ: Mapping[str, str] = os.environ) -> ApiCredentials:
    """The credentials the variables above ask for (AWS's from botocore's default chain)."""
    aws_credentials = None
    if environ.get("API_SIGV4", "").lower() in {"1", "true"}:
        aws_credentials = botocore.session.get_session().get_credentials()
        if aws_credentials is None:
            raise ValueError("API_SIGV4=1 but botocore's default chain found no AWS credentials")
    return ApiCredentials(
        token=environ.get("API_TOKEN") or None,
        api_key=environ.get("API_KEY") or None,
        aws_credentials=aws_credentials,
        region=environ.get("API_REGION") or region_of(environ.get("API_URL", "")),
    )


def _canonical_query(url: str) -> str:
    """``url`` with its query encoded as SigV4's canonical request encodes it (RFC 3986,
    space as %20), which is how API Gateway re-encodes the query it decoded to check a
    signature; botocore signs a URL's query as it stands."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = (pair.partition("=") for pair in parts.query.split("&"))
    query = "&".join(f"{_encode(name)}={_encode(value)}" for name, _, value in pairs)
    return urlunsplit(parts._replace(query=query))


def _encode(text: str) -> str:
    # requests encodes a space as "+" and a "+" as %2B, so "+" decodes to a space here.
    return quote(unquote(text.replace("+", "%20")), safe="-_.~")
