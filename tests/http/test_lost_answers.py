"""Over HTTP, through the Lambda sandboxes: a write whose answer DynamoDB sent but the
function never got (the SDK retried it) is answered as if that answer had arrived. The
proxy of tests/support/lossy_proxy.py loses the first answer to every write between the
local functions and DynamoDB Local. (The concurrent-writer races of test_contract.py run
through it too.)"""

import pytest

from tests.http.conftest import Api
from tests.support.lossy_proxy import LossyProxy


@pytest.fixture
def api(lossy: tuple[Api, LossyProxy]) -> Api:
    return lossy[0]


@pytest.fixture
def lost(lossy: tuple[Api, LossyProxy]) -> list[str]:
    """The writes whose first answer the proxy has lost so far."""
    return lossy[1].lost


def test_items_are_created_replaced_and_deleted_once(api: Api, lost: list[str], uid: str) -> None:
    before = len(lost)
    key = f"http://example.com/{uid}"

    created = api.request("PUT", "items", key, json={"value": "one"})
    replaced = api.request("PUT", "items", key, json={"value": "two"})
    deleted = api.request("DELETE", "items", key)

    assert (created.status_code, replaced.status_code, deleted.status_code) == (201, 200, 204)
    assert api.request("GET", "items", key).status_code == 404
    assert len(lost) - before == 3  # every one of them lost its first answer


@pytest.mark.parametrize("headers", [{}, {"If-None-Match": "*"}], ids=["unconditional", "create-only"])
def test_a_record_is_created_once(api: Api, lost: list[str], uid: str, headers: dict[str, str]) -> None:
    before = len(lost)

    created = api.request("PUT", "records", uid, json={"status": "green"}, headers=headers)

    assert (created.status_code, created.headers["ETag"]) == (201, '"1"'), created.text
    assert api.request("GET", "records", uid).json()["version"] == 1
    assert len(lost) - before == 1


@pytest.mark.parametrize("headers", [{}, {"If-Match": '"1"'}], ids=["unconditional", "if-match"])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_record_is_replaced_once(
    api: Api, lost: list[str], uid: str, method: str, headers: dict[str, str]
) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})
    before = len(lost)

    written = api.request(method, "records", uid, json={"status": "red"}, headers=headers)

    assert (written.status_code, written.headers["ETag"]) == (200, '"2"'), written.text
    assert api.request("GET", "records", uid).json()["version"] == 2
    assert len(lost) - before == 1


@pytest.mark.parametrize("headers", [{}, {"If-Match": '"1"'}], ids=["unconditional", "if-match"])
def test_a_record_is_deleted_once(api: Api, lost: list[str], uid: str, headers: dict[str, str]) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})
    before = len(lost)

    deleted = api.request("DELETE", "records", uid, headers=headers)

    assert deleted.status_code == 204, deleted.text
    assert api.request("GET", "records", uid).status_code == 404
    assert len(lost) - before == 1
