"""HTTP tier: the contract of docs/API.md against a running API.

Without ``API_URL`` a session fixture starts the whole local stack (``python -m devstack
start``) on free ports; with ``API_URL=https://.../dev`` the same tests run against a
deployed stage, in its caller mode: ``API_TOKEN``, ``API_KEY``, ``API_SIGV4=1``
(tests/support/credentials.py), which every request goes through ``Api`` to carry. Every
test uses ids of its own, so a stage's existing data does no harm.
"""

import contextlib
import functools
import os
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from devstack.dynamodb_local import DynamoDBLocal, free_port
from devstack.gateway import local_api_key
from devstack.local_issuer import LocalIssuer, issuer_url
from tests.conftest import API_CREDENTIALS
from tests.support.credentials import ApiCredentials
from tests.support.lossy_proxy import FaultProxy, LossyProxy, fault_proxy, lossy_proxy
from tests.support.processes import interrupt, start_devstack, wait_until_serving

TIMEOUT = 30
ProxyT = TypeVar("ProxyT", bound=FaultProxy)
PAGES = Path(__file__).parent / "pages"
CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the rest keep it from calling out on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def local_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the local API's output goes: its start banner, then request and function logs."""
    return tmp_path_factory.mktemp("devstack") / "devstack.log"


@pytest.fixture(scope="session")
def api_url(local_log: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if url := os.environ.get("API_URL"):
        yield url.rstrip("/")
        return
    request.getfixturevalue("built")  # this run's sam build (tests/conftest.py), which it serves
    port = free_port()
    with local_log.open("w") as output:
        yield from _serve_locally(port, output)


def _serve_locally(port: int, output: IO[str]) -> Iterator[str]:
    process = start_devstack(
        "--port", str(port), "--ddb-port", str(free_port()), "--in-memory", "--no-build", log=output
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            interrupt(process, signal.SIGKILL)
            raise


@pytest.fixture(scope="session")
def lossy(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple["Api", LossyProxy]]:
    """A second local API whose functions reach DynamoDB Local through a proxy that loses
    the first answer to every write after DynamoDB applied it. It serves the build the
    first local API made (``api_url``). Local only: a deployed stage's network is not ours
    to break."""
    with _served_through(lossy_proxy, tmp_path_factory) as (api, proxy, _):
        yield api, proxy


@dataclass(frozen=True)
class FaultyApi:
    """A local API whose DynamoDB Local (``dynamodb``: pause() and resume() it whole) is
    reached through ``proxy``, which pauses or slows it from a chosen call on."""

    api: "Api"
    proxy: FaultProxy
    dynamodb: DynamoDBLocal


@pytest.fixture(scope="session")
def faulty(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyApi]:
    """A local API of its own, for faults that would stop every other test's DynamoDB."""
    with _served_through(fault_proxy, tmp_path_factory) as (api, proxy, dynamodb):
        yield FaultyApi(api, proxy, dynamodb)


@contextlib.contextmanager
def _served_through(
    proxy_on: Callable[[int], contextlib.AbstractContextManager[ProxyT]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple["Api", ProxyT, DynamoDBLocal]]:
    if os.environ.get("API_URL"):
        pytest.skip("faults are injected between the local functions and DynamoDB Local")
    port = free_port()
    log = tmp_path_factory.mktemp("devstack-faults") / "devstack.log"
    with DynamoDBLocal(free_port()) as dynamodb, proxy_on(dynamodb.port) as proxy, log.open("w") as output:
        process = start_devstack("--port", str(port), "--ddb-port", str(proxy.port), "--no-build", log=output)
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process)
            yield Api(f"http://127.0.0.1:{port}", API_CREDENTIALS), proxy, dynamodb
        finally:
            dynamodb.resume()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


@dataclass(frozen=True)
class GuardedApi:
    """A local API that checks callers as a deployed stack with these parameters would."""

    url: str
    parameters: str
    api_key: str
    issuer: LocalIssuer
    log: Path

    def token(self, *scopes: str, **claims: Any) -> str:
        return self.issuer.mint(scopes, **claims)


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        """The tests' output is no place for the page server's access log."""


@pytest.fixture(scope="session")
def page_origin() -> Iterator[str]:
    """Another origin, as a web app's: a static server for the pages of ``tests/http/pages``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(PAGES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (scripts/ensure-chromium.sh), driven by Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def guarded(
    parameters: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[GuardedApi]:
    if os.environ.get("API_URL"):
        pytest.skip("make start's own checks; a stage's are API Gateway's (API_TOKEN, API_KEY, API_SIGV4)")
    request.getfixturevalue("built")
    port = free_port()
    log = tmp_path_factory.mktemp("devstack-guarded") / "devstack.log"
    with log.open("w") as output:
        process = start_devstack(
            "--port",
            str(port),
            "--ddb-port",
            str(free_port()),
            "--in-memory",
            "--no-build",
            "--pool-size",
            "1",
            "--no-reload",
            "--parameter-overrides",
            parameters,
            log=output,
        )
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process)
            yield GuardedApi(
                f"http://127.0.0.1:{port}", parameters, local_api_key(), LocalIssuer(issuer_url(port)), log
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def cognito_api(
    page_origin: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[GuardedApi]:
    """make start for a web or mobile app and its partners: Cognito tokens with scopes, API
    keys with a plan, and CORS for the page origin."""
    yield from guarded(
        "ApiAuth=COGNITO ApiKeys=true ApiKeyRateLimit=50 ApiKeyBurstLimit=100"
        f" CorsAllowedOrigins={page_origin}",
        tmp_path_factory,
        request,
    )


@pytest.fixture(scope="session")
def iam_api(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[GuardedApi]:
    """make start for a service with IAM: every request SigV4-signed with the local credentials."""
    yield from guarded("ApiAuth=AWS_IAM", tmp_path_factory, request)


class Api:
    """Small helpers over requests: resource URLs with percent-encoded keys, and the caller's
    credentials on every request (the only way the tier sends one)."""

    def __init__(self, base_url: str, auth: ApiCredentials) -> None:
        self.base_url = base_url
        self.auth = auth

    def url(self, collection: str, key: str | None = None, raw_slashes: bool = False) -> str:
        """The URL of a collection or member; a key's "/" as "%2F", or as it is with ``raw_slashes``."""
        if key is None:
            return f"{self.base_url}/{collection}"
        return f"{self.base_url}/{collection}/{quote(key, safe='/' if raw_slashes else '')}"

    def request(
        self,
        method: str,
        collection: str,
        key: str | None = None,
        raw_slashes: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        return self.send(method, self.url(collection, key, raw_slashes), **kwargs)

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request to any URL of the API, e.g. a Location it answered, with the credentials."""
        return requests.request(method, url, timeout=TIMEOUT, auth=self.auth, **kwargs)


@pytest.fixture(scope="session")
def api(api_url: str) -> Api:
    return Api(api_url, API_CREDENTIALS)


@pytest.fixture
def uid() -> str:
    """A prefix of this test's own: keys and ids never collide across tests or runs."""
    return f"t-{uuid.uuid4().hex[:12]}"
