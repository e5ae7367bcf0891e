"""What ``make start`` prints while it serves: the requests' own lines, not the emulation's noise."""

import os
import uuid
from pathlib import Path

import pytest

from tests.http.conftest import Api


def test_an_answer_without_a_body_adds_no_notice_to_the_log(api: Api, local_log: Path) -> None:
    # SAM CLI's emulation notes "No Content-Type given" for each answer without a body.
    if os.environ.get("API_URL"):
        pytest.skip("the log is make start's")
    key = f"log-{uuid.uuid4().hex}"
    api.request("PUT", "items", key, json={"value": "v"})

    deleted = api.request("DELETE", "items", key)

    assert deleted.status_code == 204
    assert "No Content-Type given" not in local_log.read_text()
