"""The HTTP tier sends every request with the credentials tests/support/credentials.py
chooses: its Api class, the README's curl lines and schemathesis's cases."""

import os
import re
import subprocess
import sys
from typing import Any

import pytest
import requests
import schemathesis
from requests.adapters import BaseAdapter

from devstack.template import ROOT
from tests.support.credentials import ApiCredentials
from tests.unit.test_api_credentials import AWS, verify

STAGE = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"
API_KEY = "partner-api-key-value"


def test_the_suite_resolves_aws_credentials_before_faking_its_own() -> None:
    # tests/conftest.py replaces AWS_ACCESS_KEY_ID with a fake for every other client; a run
    # with API_SIGV4=1 must still sign with the caller's own.
    script = "import tests.conftest as c; print(c.API_CREDENTIALS.environment()['AWS_ACCESS_KEY_ID'])"
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "dynamo_tables")]),
        "API_SIGV4": "1",
        "API_URL": STAGE,
        "AWS_ACCESS_KEY_ID": "AKIDOFTHECALLER",
        "AWS_SECRET_ACCESS_KEY": "caller-secret",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter, on a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )

    assert result.stdout.strip() == "AKIDOFTHECALLER", result.stderr


def test_every_request_of_the_http_tier_carries_the_credentials() -> None:
    # No call of requests' own functions in tests/http without auth=: each goes through Api.
    # A file of GuardedApi tests checks make start's own refusals, with the credentials it tests.
    raw = re.compile(r"\brequests\.(get|head|post|put|patch|delete|options|request)\(")
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "tests" / "http").glob("*.py"))
        if "GuardedApi" not in path.read_text()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if raw.search(line) and "auth=" not in line
    ]

    assert offenders == []


def test_schemathesis_sends_every_case_with_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # A case of openapi.yaml called as schemathesis's run calls it, its hooks loaded; the
    # request it hands to the transport is caught instead of sent.
    from tests.http import schemathesis_hooks

    credentials = ApiCredentials(api_key=API_KEY, aws_credentials=AWS, region="eu-west-1")
    monkeypatch.setattr(schemathesis_hooks, "CREDENTIALS", credentials)
    sent: list[requests.PreparedRequest] = []
    session = requests.Session()
    session.mount("https://", Capture(sent))
    operation = schemathesis.openapi.from_path(ROOT / "openapi.yaml")["/items/{key}"]["PUT"]
    case = operation.Case(path_parameters={"key": "a/b"}, body={"value": "v"})

    case.call(base_url=STAGE, session=session)

    [request] = sent
    assert request.headers["x-api-key"] == API_KEY
    verify(request)


class Capture(BaseAdapter):
    """A transport adapter that keeps each request and answers 200 without sending it."""

    def __init__(self, sent: list[requests.PreparedRequest]) -> None:
        super().__init__()
        self.sent = sent

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b"{}", request
        return response

    def close(self) -> None:
        pass
