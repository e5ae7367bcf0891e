"""The API reference at ``/docs`` of ``make start``, in a real headless Chromium.

Debian's Chromium (``scripts/ensure-chromium.sh``), driven by Playwright for Python (the
``browser`` fixture of conftest.py); the page is Swagger UI from the npm package
``swagger-ui-dist``, served by the local API.
"""

import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page

from devstack.template import api_routes
from tests.http.conftest import Api, GuardedApi
from tests.support.openapi import load_openapi, openapi_path

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def docs_url(api_url: str) -> str:
    if os.environ.get("API_URL"):
        pytest.skip("/docs is make start's page; a deployed stage does not serve it")
    return f"{api_url}/docs"


class DocsPage:
    """The page, with every console error, uncaught exception and failed request it had."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url}"))
        page.set_default_timeout(TIMEOUT_MS)
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, f"{url}: {response.status} {response.text()}"
        page.locator(".opblock").first.wait_for()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def routes(self) -> set[tuple[str, str]]:
        summaries = self.page.locator(".opblock-summary")
        return {
            (
                summary.locator(".opblock-summary-method").inner_text().strip(),
                summary.locator(".opblock-summary-path").get_attribute("data-path") or "",
            )
            for summary in summaries.all()
        }

    def operation(self, method: str, path: str) -> Locator:
        return self.page.locator(f'.opblock-{method.lower()}:has(.opblock-summary-path[data-path="{path}"])')

    def try_out(self, method: str, path: str, parameters: dict[str, str], body: str | None = None) -> Locator:
        """Expand an operation, Try it out, fill it in, Execute: its live response."""
        operation = self.operation(method, path)
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        for name, value in parameters.items():
            operation.locator(f'tr[data-param-name="{name}"] input').fill(value)
        if body is not None:
            operation.locator("textarea.body-param__text").fill(body)
        operation.get_by_role("button", name="Execute").click()
        response = operation.locator(".live-responses-table .response")
        response.wait_for()
        return response


@pytest.fixture(scope="module")
def docs(browser: Browser, docs_url: str) -> Iterator[DocsPage]:
    """The page, loaded once for the module: Swagger UI takes seconds to render here, and
    each test reads it or tries out an operation of its own on it."""
    context = browser.new_context()
    try:
        yield DocsPage(context.new_page(), docs_url)
    finally:
        context.close()


def test_the_page_lists_every_route_without_an_error(docs: DocsPage) -> None:
    expected = {(method, openapi_path(path)) for method, path in api_routes()}

    assert docs.routes() == expected
    assert docs.problems == []


def test_try_it_out_puts_an_item_and_gets_it_back(docs: DocsPage) -> None:
    key = f"docs-{uuid.uuid4().hex[:12]}"
    body = json.dumps({"value": f"from the browser {key}"})

    put = docs.try_out("PUT", "/items/{key}", {"key": key}, body)
    put_status = put.locator(".response-col_status").inner_text().strip()
    got = docs.try_out("GET", "/items/{key}", {"key": key})
    got_status = got.locator(".response-col_status").inner_text().strip()
    got_body = got.locator(".response-col_description pre").first.inner_text()

    assert (put_status, got_status) == ("201", "200")
    assert json.loads(got_body) == {"key": key, "value": f"from the browser {key}"}
    assert docs.problems == []


def test_the_start_banner_shows_the_page(docs_url: str, local_log: Path) -> None:
    banner = local_log.read_text().partition("Press Ctrl-C")[0]

    assert f"API reference (Swagger UI, try it out) at {docs_url}\n" in banner


def test_the_spec_names_the_local_api_as_its_server(api: Api, api_url: str, docs_url: str) -> None:
    response = api.send("GET", f"{docs_url}/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["servers"] == [{"url": api_url, "description": "this local API (make start)"}]
    source = load_openapi()
    assert {key: value for key, value in spec.items() if key not in {"servers", "paths"}} == {
        key: value for key, value in source.items() if key not in {"servers", "paths"}
    }
    assert operations_with_parameters(spec) == operations_with_parameters(source)


def operations_with_parameters(document: Any) -> dict[tuple[str, str], Any]:
    """Each operation with the parameters it takes: its path's and its own (OpenAPI 3.1)."""
    return {
        (method, path): {
            **operation,
            "parameters": item.get("parameters", []) + operation.get("parameters", []),
        }
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def test_authorize_with_a_local_token_and_key_lets_try_it_out_through(
    browser: Browser, cognito_api: GuardedApi, uid: str
) -> None:
    """make start with ApiAuth=COGNITO and ApiKeys: /docs's Authorize takes make token's
    token (bearerToken) and the start banner's key (apiKey), and Try it out sends them."""
    statuses = []
    for authorized in (False, True):
        context = browser.new_context()
        try:
            docs = DocsPage(context.new_page(), f"{cognito_api.url}/docs")
            if authorized:
                docs.page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
                for scheme, value in (
                    ("bearerToken", cognito_api.token("tables/read")),
                    ("apiKey", cognito_api.api_key),
                ):
                    form = docs.page.locator(".auth-container").filter(
                        has=docs.page.locator("h4 code", has_text=re.compile(f"^{scheme}$"))
                    )
                    form.locator("input").fill(value)
                    form.locator("button.authorize").click()
                docs.page.get_by_role("button", name="Close").first.click()
            got = docs.try_out("GET", "/items/{key}", {"key": uid})
            statuses.append(got.locator(".response-col_status").inner_text().strip())
        finally:
            context.close()

    assert statuses == ["401", "404"]  # refused by the local API Gateway; then the function's own answer
