"""Idempotency-Key: a client's retry of a write is safe.

The same key with the same request gives the first answer and applies nothing; the same
key with another request is a 422; a duplicate while the first is still running a 409.
"""

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devstack.template import api_routes
from tests.http.conftest import Api
from tests.http.test_contract import assert_problem
from tests.support.events import WRITE_METHODS
from tests.support.lossy_proxy import LossyProxy


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _answer(response: requests.Response) -> tuple[int, str, str | None, str | None]:
    return response.status_code, response.text, response.headers.get("ETag"), response.headers.get("Location")


def test_a_replay_after_success_gives_the_first_answer_and_applies_nothing(api: Api, uid: str) -> None:
    key = _key()
    create_only = {**key, "If-None-Match": "*"}

    first = api.request("PUT", "records", uid, json={"status": "green"}, headers=create_only)
    replay = api.request("PUT", "records", uid, json={"status": "green"}, headers=create_only)

    assert first.status_code == 201, first.text
    assert _answer(replay) == _answer(first)  # not the 412 a second create-only PUT would get
    assert api.request("GET", "records", uid).json()["version"] == 1


def test_every_write_route_replays(api: Api, uid: str) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})
    for method, collection, body in [
        ("PUT", "items", {"value": "v"}),
        ("PATCH", "records", {"status": "red"}),
        ("DELETE", "items", None),
        ("DELETE", "records", None),
    ]:
        key = _key()
        first = api.request(method, collection, uid, json=body, headers=key)
        replay = api.request(method, collection, uid, json=body, headers=key)
        assert first.status_code < 300, (method, collection, first.text)
        assert _answer(replay) == _answer(first), (method, collection)


def test_an_error_answer_replays_too(api: Api, uid: str) -> None:
    key = _key()

    first = api.request("DELETE", "items", uid, headers=key)
    api.request("PUT", "items", uid, json={"value": "created since"})
    replay = api.request("DELETE", "items", uid, headers=key)

    assert first.status_code == 404
    assert _answer(replay) == _answer(first)
    assert api.request("GET", "items", uid).status_code == 200  # the replay deleted nothing


def test_the_same_key_with_another_request_is_422_and_changes_nothing(api: Api, uid: str) -> None:
    key = _key()
    api.request("PUT", "items", uid, json={"value": "first"}, headers=key)

    other = api.request("PUT", "items", uid, json={"value": "second"}, headers=key)

    assert_problem(other, 422)
    assert "Idempotency-Key" in other.json()["detail"]
    assert api.request("GET", "items", uid).json()["value"] == "first"


def test_concurrent_duplicates_apply_once(api: Api, uid: str) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})
    key = _key()

    def patch(_: int) -> int:
        return api.request("PATCH", "records", uid, json={"status": "red"}, headers=key).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(pool.map(patch, range(8)))

    # Each duplicate either waited for nothing and replayed the 200, or met the first in flight.
    assert set(statuses) <= {200, 409}
    assert statuses[200] >= 1
    assert api.request("GET", "records", uid).json()["version"] == 2


def test_a_replay_after_a_lost_answer_gives_the_answer_that_was_lost(
    lossy: tuple[Api, LossyProxy], uid: str
) -> None:
    lossy_api, _ = lossy
    lossy_api.request("PUT", "records", uid, json={"status": "green"})
    key = _key()

    first = lossy_api.request("PATCH", "records", uid, json={"status": "red"}, headers=key)
    replay = lossy_api.request("PATCH", "records", uid, json={"status": "red"}, headers=key)

    assert (first.status_code, first.headers["ETag"]) == (200, '"2"')
    assert _answer(replay) == _answer(first)
    assert lossy_api.request("GET", "records", uid).json()["version"] == 2


def test_a_replay_after_a_503_whose_write_landed_applies_nothing(
    lossy: tuple[Api, LossyProxy], uid: str
) -> None:
    # Given a PATCH that DynamoDB applied but whose every answer was lost: the function gave up
    lossy_api, proxy = lossy
    lossy_api.request("PUT", "records", uid, json={"status": "green"})
    key = _key()
    proxy.lose_every_answer_to = "ComplexTable"
    try:
        unknown = lossy_api.request("PATCH", "records", uid, json={"status": "red"}, headers=key)
    finally:
        proxy.lose_every_answer_to = None
    assert unknown.status_code == 503, unknown.text

    # When the client retries with the same key
    replay = lossy_api.request("PATCH", "records", uid, json={"status": "red"}, headers=key)

    # Then it learns the write happened, once, as it stands (the time it was made included)
    assert (replay.status_code, replay.headers["ETag"]) == (200, '"2"'), replay.text
    assert replay.json() == lossy_api.request("GET", "records", uid).json()


# Every write route: (method, collection, table, body, status before, answer to the retry).
# Without the key's own tokens the retry would be a second write: a 200 (and version 2) for
# a PUT that created, a 404 for a DELETE whose first run deleted.
AFTER_A_503 = [
    ("PUT", "items", "SimpleTable", {"value": "v"}, None, 201),
    ("DELETE", "items", "SimpleTable", None, ("items", {"value": "v"}), 204),
    ("PUT", "records", "ComplexTable", {"status": "green"}, None, 201),
    ("PATCH", "records", "ComplexTable", {"status": "red"}, ("records", {"status": "green"}), 200),
    ("DELETE", "records", "ComplexTable", None, ("records", {"status": "green"}), 204),
]


def test_the_cases_after_a_503_are_every_write_route() -> None:
    writes = {(method, path.split("/")[1]) for method, path in api_routes() if method in WRITE_METHODS}

    assert {(method, collection) for method, collection, *_ in AFTER_A_503} == writes


@pytest.mark.parametrize(
    ("method", "collection", "table", "body", "before", "status"),
    AFTER_A_503,
    ids=[f"{case[0]}-{case[1]}" for case in AFTER_A_503],
)
def test_every_write_route_retried_after_a_503_whose_write_landed_applies_it_once(
    lossy: tuple[Api, LossyProxy],
    uid: str,
    method: str,
    collection: str,
    table: str,
    body: dict[str, str] | None,
    before: tuple[str, dict[str, str]] | None,
    status: int,
) -> None:
    # Given a write that DynamoDB applied but whose every answer was lost: the function gave up
    lossy_api, proxy = lossy
    if before is not None:
        lossy_api.request("PUT", before[0], uid, json=before[1])
    key = _key()
    proxy.lose_every_answer_to = table
    try:
        unknown = lossy_api.request(method, collection, uid, json=body, headers=key)
    finally:
        proxy.lose_every_answer_to = None
    assert unknown.status_code == 503, unknown.text

    # When the client retries with the same key, then it learns the write happened, once
    retry = lossy_api.request(method, collection, uid, json=body, headers=key)

    assert retry.status_code == status, retry.text
    if collection == "records" and method != "DELETE":
        assert retry.headers["ETag"] == ('"1"' if before is None else '"2"')


def test_a_large_answer_is_kept_and_replayed(api: Api, uid: str) -> None:
    # 80,000 euro signs: 240 KB of UTF-8 that JSON would escape to 480 KB, past DynamoDB's
    # 400 KB item limit, had the answer been kept as escaped JSON text.
    key = _key()
    body = {"status": "green", "data": {"s": "€" * 80_000}}

    utf8 = json.dumps(body, ensure_ascii=False).encode()  # 240 KB on the wire, within the limit
    first = api.request("PUT", "records", uid, data=utf8, headers=key)
    replay = api.request("PUT", "records", uid, data=utf8, headers=key)

    assert first.status_code == 201, first.text[:300]
    assert _answer(replay) == _answer(first)
    assert api.request("GET", "records", uid).json()["version"] == 1


def test_the_same_key_on_another_route_is_another_request(api: Api, uid: str) -> None:
    key = _key()
    api.request("PUT", "records", uid, json={"status": "green"}, headers=key)

    other_route = api.request("PATCH", "records", uid, json={"status": "red"}, headers=key)

    assert_problem(other_route, 422)
    assert api.request("GET", "records", uid).json()["version"] == 1
