"""A web app's page calling the API with Cognito tokens and an API key, in headless Chromium.

The page (``pages/caller.html``) is served from another origin than the API's
(``page_origin``), and calls it with the browser's own ``fetch``: what CORS lets a page
send and read is Chromium's to decide, from the answers ``make start`` gives as API
Gateway would (``cognito_api``: ApiAuth=COGNITO, ApiKeys=true, CorsAllowedOrigins=the
page's origin).
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page

from devstack.template import ROOT
from tests.http.conftest import TIMEOUT, GuardedApi

READ = "tables/read"
WRITE = "tables/write"
UNAUTHORIZED = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "send a valid Cognito access token with the route scope as Authorization: Bearer <token>",
}


@dataclass
class Preflight:
    """An OPTIONS Chromium sent before a request, and the answer it got (names lower-cased)."""

    url: str
    asked: dict[str, str]
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class Caller:
    """The page at an origin, with the preflights Chromium sent for it and the console
    errors it logged (where Chromium says why CORS refused an answer). Playwright's request
    events leave preflights out; Chromium's DevTools protocol reports them."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self._preflights: dict[str, Preflight] = {}
        self.console_errors: list[str] = []
        page.on("console", self._console)
        devtools = page.context.new_cdp_session(page)
        devtools.on("Network.requestWillBeSent", self._sent)
        devtools.on("Network.responseReceived", self._received)
        devtools.send("Network.enable")
        response = page.goto(f"{origin}/caller.html")
        assert response is not None
        assert response.status == 200, f"{origin}: no caller page"

    @property
    def preflights(self) -> list[Preflight]:
        return list(self._preflights.values())

    def _sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        if request["method"] == "OPTIONS":
            self._preflights[event["requestId"]] = Preflight(request["url"], _lower(request["headers"]))

    def _received(self, event: dict[str, Any]) -> None:
        if preflight := self._preflights.get(event["requestId"]):
            preflight.status = event["response"]["status"]
            preflight.headers = _lower(event["response"]["headers"])

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def call(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
        """The page's ``fetch``: status, the headers it may read, body; or ``error``."""
        data = None if body is None else json.dumps(body)
        result: dict[str, Any] = self.page.evaluate(
            "([method, url, headers, body]) => call(method, url, headers, body)", [method, url, headers, data]
        )
        return result


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@contextmanager
def _caller(browser: Browser, origin: str) -> Iterator[Caller]:
    """A context of its own per test: no preflight cached by an earlier test."""
    context = browser.new_context()
    try:
        yield Caller(context.new_page(), origin)
    finally:
        context.close()


@pytest.fixture
def caller(browser: Browser, page_origin: str, cognito_api: GuardedApi) -> Iterator[Caller]:
    with _caller(browser, page_origin) as page:
        yield page


@pytest.fixture
def stranger_origin(page_origin: str) -> str:
    """The page server under another name: http://localhost:<port> is another origin than
    http://127.0.0.1:<port>, and not one of CorsAllowedOrigins."""
    return page_origin.replace("//127.0.0.1:", "//localhost:")


@pytest.fixture
def stranger(browser: Browser, stranger_origin: str, cognito_api: GuardedApi) -> Iterator[Caller]:
    """The same page at an origin the API does not allow."""
    with _caller(browser, stranger_origin) as page:
        yield page


def credentials(api: GuardedApi, *scopes: str) -> dict[str, str]:
    """The headers a signed-in user's page sends: its access token and the app's API key."""
    return {"Authorization": f"Bearer {api.token(*scopes)}", "x-api-key": api.api_key}


def put_record(api: GuardedApi, id: str, data: dict[str, str]) -> requests.Response:
    """A record written from Python with a write-scope token, for the page to read."""
    return requests.put(
        f"{api.url}/records/{id}",
        json={"status": "green", "data": data},
        headers=credentials(api, WRITE),
        timeout=TIMEOUT,
    )


def test_a_read_token_reads_a_record_and_its_etag(caller: Caller, cognito_api: GuardedApi, uid: str) -> None:
    written = put_record(cognito_api, uid, {"by": "python"})
    assert written.status_code == 201, written.text

    got = caller.call("GET", f"{cognito_api.url}/records/{uid}", credentials(cognito_api, READ))

    assert got["status"] == 200, got
    assert json.loads(got["body"]) == written.json()
    assert got["headers"].get("etag") == written.headers["ETag"]


def test_a_write_with_a_read_token_is_a_401_problem_the_page_reads(
    caller: Caller, cognito_api: GuardedApi, uid: str
) -> None:
    written = put_record(cognito_api, uid, {"by": "python"})
    url = f"{cognito_api.url}/records/{uid}"
    headers = {**credentials(cognito_api, READ), "Content-Type": "application/json"}

    refused = caller.call("PUT", url, headers, {"status": "red", "data": {"by": "the page"}})

    assert refused["status"] == 401, refused
    assert refused["headers"]["content-type"] == "application/problem+json"
    assert json.loads(refused["body"]) == UNAUTHORIZED
    unchanged = requests.get(url, headers=credentials(cognito_api, READ), timeout=TIMEOUT)
    assert unchanged.json() == written.json()


def test_a_request_without_a_token_is_a_401_problem_the_page_reads(
    caller: Caller, cognito_api: GuardedApi, uid: str
) -> None:
    refused = caller.call("GET", f"{cognito_api.url}/records/{uid}", {"x-api-key": cognito_api.api_key})

    assert refused["status"] == 401, refused
    assert refused["headers"]["content-type"] == "application/problem+json"
    assert json.loads(refused["body"]) == UNAUTHORIZED


def test_a_request_without_the_api_key_is_a_403_problem_the_page_reads(
    caller: Caller, cognito_api: GuardedApi, uid: str
) -> None:
    token = {"Authorization": f"Bearer {cognito_api.token(READ)}"}

    refused = caller.call("GET", f"{cognito_api.url}/records/{uid}", token)

    assert refused["status"] == 403, refused
    assert refused["headers"]["content-type"] == "application/problem+json"
    problem = json.loads(refused["body"])
    assert (problem["title"], problem["status"]) == ("Forbidden", 403)
    assert "x-api-key" in problem["detail"]


def test_a_write_token_creates_a_record_and_the_page_reads_its_location(
    caller: Caller, cognito_api: GuardedApi, uid: str
) -> None:
    headers = {**credentials(cognito_api, WRITE), "Content-Type": "application/json"}

    created = caller.call("PUT", f"{cognito_api.url}/records/{uid}", headers, {"status": "green"})

    assert created["status"] == 201, created
    assert created["headers"].get("location") == f"/records/{uid}"
    assert json.loads(created["body"])["id"] == uid
    assert created["headers"].get("etag", "").startswith('"')


def test_the_write_is_preflighted_and_the_preflight_allows_the_page(
    caller: Caller, cognito_api: GuardedApi, page_origin: str, uid: str
) -> None:
    url = f"{cognito_api.url}/records/{uid}"
    headers = {**credentials(cognito_api, WRITE), "Content-Type": "application/json"}

    created = caller.call("PUT", url, headers, {"status": "green"})

    assert created["status"] == 201, created
    (preflight,) = caller.preflights
    assert preflight.url == url
    assert preflight.status == 204
    assert preflight.asked["origin"] == page_origin
    assert preflight.asked["access-control-request-method"] == "PUT"
    assert set(preflight.asked["access-control-request-headers"].split(",")) == {
        "authorization",
        "content-type",
        "x-api-key",
    }
    assert preflight.headers["access-control-allow-origin"] == page_origin


def test_a_page_of_another_origin_is_refused_by_the_preflight(
    stranger: Caller, cognito_api: GuardedApi, page_origin: str, stranger_origin: str, uid: str
) -> None:
    assert stranger_origin != page_origin
    assert stranger_origin not in cognito_api.parameters
    url = f"{cognito_api.url}/records/{uid}"
    asked = requests.options(
        url,
        headers={
            "Origin": stranger_origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,x-api-key",
        },
        timeout=TIMEOUT,
    )
    assert asked.status_code == 204
    assert "Access-Control-Allow-Origin" not in asked.headers

    refused = stranger.call("GET", url, credentials(cognito_api, READ))

    assert refused == {"error": "TypeError: Failed to fetch"}
    (preflight,) = stranger.preflights
    assert preflight.status == 204
    assert "access-control-allow-origin" not in preflight.headers
    assert any(
        f"from origin '{stranger_origin}' has been blocked by CORS policy: Response to preflight request"
        in error
        for error in stranger.console_errors
    ), stranger.console_errors


def test_the_readmes_fetch_runs_in_the_page(caller: Caller, cognito_api: GuardedApi, uid: str) -> None:
    """README, "Callers, locally": its ``fetch`` snippet, as written, from a page of an allowed
    origin, with a read token and the key; it logs the answer's status and item."""
    section = (ROOT / "README.md").read_text().split("### Callers, locally", 1)[1].split("\n### ", 1)[0]
    (snippet,) = re.findall(r"```js\n(.*?)```", section, re.DOTALL)
    key = f"readme-{uid}"
    written = requests.put(
        f"{cognito_api.url}/items/{key}",
        json={"value": "hi"},
        headers=credentials(cognito_api, WRITE),
        timeout=TIMEOUT,
    )
    assert written.status_code == 201
    script = snippet.replace("http://127.0.0.1:3000/items/greeting", f"{cognito_api.url}/items/{key}")

    # The snippet's console.log, kept: what it logs is what a reader would see.
    logged = caller.page.evaluate(
        "async ([token, key]) => { const logged = []; const console = {log: (...args) => logged.push(args)};"
        f" {script} return logged; }}",
        [cognito_api.token(READ), cognito_api.api_key],
    )

    assert logged == [[200, {"key": key, "value": "hi"}]]
