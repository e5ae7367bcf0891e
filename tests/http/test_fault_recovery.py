"""A write with an ``Idempotency-Key`` while DynamoDB is paused or slow, through the local
API: the Lambda sandboxes of ``make start``, a proxy between them and DynamoDB Local.

A keyed ``PUT /records/{id}`` makes three DynamoDB calls: it keeps an in-progress record
(``PutItem`` on the idempotency table), writes the record (``UpdateItem``), and keeps its
answer (``UpdateItem`` on the idempotency table). Paused or slowed at each in turn, the
request answers within the function's timeout (never the gateway's 502), a 503 or a 409
says when to retry, and a client that retries the same key as ``Retry-After`` says, once
DynamoDB is back, is served at once (no 409) with a write applied exactly once.
"""

import time
from typing import Any

import pytest
import requests

from devstack.template import load_template, resources_of_type
from tests.http.conftest import Api, FaultyApi
from tests.support.lossy_proxy import Call

RETRIES = 12  # more than any Retry-After sequence of a run that ended


def _table(logical_id: str) -> str:
    """The local table of a template table: make start names it by its logical id."""
    assert logical_id in resources_of_type(load_template(), "AWS::DynamoDB::Table")
    return logical_id


KEEP = Call("PutItem", _table("IdempotencyTable"))
WRITE = Call("UpdateItem", _table("ComplexTable"))
ANSWER = Call("UpdateItem", _table("IdempotencyTable"))
CALLS = {"keep in-progress": KEEP, "write": WRITE, "keep answer": ANSWER}


@pytest.fixture
def faulty_api(faulty: FaultyApi) -> Any:
    faulty.proxy.resume()
    faulty.proxy.late.clear()
    yield faulty
    faulty.proxy.resume()
    faulty.proxy.late.clear()
    faulty.dynamodb.resume()


def _put(api: Api, record_id: str, key: str) -> requests.Response:
    return api.request(
        "PUT", "records", record_id, json={"status": "green"}, headers={"Idempotency-Key": key}
    )


def _retried(api: Api, record_id: str, key: str, first: requests.Response) -> tuple[requests.Response, int]:
    """Retry as Retry-After says until an answer that is not a 503 or 409; the answer, and how
    many 409s came before it. Each 503 and 409 must say when to retry. Prints the figures
    (``pytest -rP`` shows them)."""
    answer, conflicts, started = first, 0, time.monotonic()
    for _ in range(RETRIES):
        if answer.status_code not in (409, 503):
            if answer is first:  # a client that lost this answer retries at once: the same again
                again = _put(api, record_id, key)
                assert (again.status_code, again.json()) == (first.status_code, first.json()), again.text
            print(
                f"first answer {first.status_code} after {first.elapsed.total_seconds():.1f} s "
                f"(Retry-After {first.headers.get('Retry-After')}); then {conflicts} x 409 and "
                f"{answer.status_code} {time.monotonic() - started:.1f} s later"
            )
            return answer, conflicts
        assert "Retry-After" in answer.headers, (answer.status_code, answer.text)
        time.sleep(int(answer.headers["Retry-After"]))
        answer = _put(api, record_id, key)
        conflicts += answer.status_code == 409
    raise AssertionError(f"still {answer.status_code} after {RETRIES} retries: {answer.text}")


def _recovers(api: Api, uid: str, first: requests.Response) -> None:
    """The first answer came in time (no 502), and a retry as told is served once DynamoDB
    is back: no 409, a 201, the write applied once."""
    answer, conflicts = _retried(api, uid, uid, first)

    assert first.status_code in (201, 503), first.text
    assert (answer.status_code, conflicts) == (201, 0), answer.text
    assert api.request("GET", "records", uid).json()["version"] == 1


def _warm(api: Api, uid: str) -> None:
    """A cold sandbox would spend the request's time starting: fault the request, not the start."""
    assert _put(api, f"{uid}-warm", f"{uid}-warm").status_code == 201


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_paused_at_each_call_answers_in_time_and_the_retry_is_served_at_once(
    faulty_api: FaultyApi, uid: str, call: Call
) -> None:
    api, proxy = faulty_api.api, faulty_api.proxy
    _warm(api, uid)
    proxy.pause_from = call

    first = _put(api, uid, uid)
    proxy.resume()

    _recovers(api, uid, first)


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_slow_at_each_call_answers_in_time_and_the_retry_is_served_at_once(
    faulty_api: FaultyApi, uid: str, call: Call
) -> None:
    api, proxy = faulty_api.api, faulty_api.proxy
    _warm(api, uid)
    proxy.late_seconds = 1.5  # past the SDK's read timeout: every attempt applied, answered late
    proxy.late[call] = 1000

    first = _put(api, uid, uid)
    proxy.late.clear()

    _recovers(api, uid, first)


def test_every_call_slow_in_turn_still_answers_before_the_function_times_out(
    faulty_api: FaultyApi, uid: str
) -> None:
    """Each call's first two attempts late, its third on time: alone each call succeeds,
    but three of them, with their back-offs, could take up to 15 s (2 s of timeouts and up
    to 3 s of back-off each), past the function's 12 s. Within the deadline the request
    gives up in time (a 503) or, with short back-offs, succeeds (a 201)."""
    api, proxy = faulty_api.api, faulty_api.proxy
    _warm(api, uid)
    proxy.late_seconds = 1.5
    proxy.late.update(dict.fromkeys(CALLS.values(), 2))

    first = _put(api, uid, uid)
    proxy.late.clear()

    _recovers(api, uid, first)


def test_dynamodb_paused_whole_then_resumed(faulty_api: FaultyApi, uid: str) -> None:
    """The issue's own measurement: DynamoDB Local stopped (SIGSTOP) during a keyed PUT."""
    api = faulty_api.api
    _warm(api, uid)
    faulty_api.dynamodb.pause()

    first = _put(api, uid, uid)
    faulty_api.dynamodb.resume()

    assert first.status_code == 503, first.text
    _recovers(api, uid, first)
