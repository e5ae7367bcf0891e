"""The whole contract of docs/API.md, over HTTP."""

import base64
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests

from devstack.template import api_routes, load_template
from tables_api.parsing import MAX_BODY_BYTES
from tests.http.conftest import Api

ISO_MILLIS_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    return problem


def follow(api: Api, collection: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every member of a listing, following next_cursor to the end."""
    members: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        response = api.request("GET", collection, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        members += page[collection]
        if page["next_cursor"] is None:
            return members
        query = {**params, "cursor": page["next_cursor"]}


# --- items ---------------------------------------------------------------------------


def test_put_creates_then_replaces_an_item(api: Api, uid: str) -> None:
    created = api.request("PUT", "items", uid, json={"value": "one"})
    replaced = api.request("PUT", "items", uid, json={"value": "two"})
    fetched = api.request("GET", "items", uid)

    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/json"
    assert created.headers["Location"].endswith(f"/items/{uid}")
    assert created.json() == {"key": uid, "value": "one"}
    assert replaced.status_code == 200
    assert "Location" not in replaced.headers
    assert (fetched.status_code, fetched.json()) == (200, {"key": uid, "value": "two"})


def test_head_tells_existence_without_a_body(api: Api, uid: str) -> None:
    api.request("PUT", "items", uid, json={"value": "v"})

    found = api.request("HEAD", "items", uid)
    missing = api.request("HEAD", "items", f"{uid}-absent")

    assert (found.status_code, found.content) == (200, b"")
    assert (missing.status_code, missing.content) == (404, b"")


def test_missing_items_are_404_problems(api: Api, uid: str) -> None:
    assert_problem(api.request("GET", "items", uid), 404)
    assert_problem(api.request("DELETE", "items", uid), 404)


def test_delete_removes_the_item(api: Api, uid: str) -> None:
    api.request("PUT", "items", uid, json={"value": "v"})

    deleted = api.request("DELETE", "items", uid)

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.request("GET", "items", uid).status_code == 404


@pytest.mark.parametrize(
    "suffix", [" space", "?query", "#hash", "&=+;,", "ü 漢字 🙂", "%41", '"quoted"', "back\\slash", "a:b@c"]
)
def test_keys_with_any_character_round_trip(api: Api, uid: str, suffix: str) -> None:
    key = uid + suffix

    created = api.request("PUT", "items", key, json={"value": "v"})

    assert created.status_code == 201, created.text
    assert api.request("GET", "items", key).json() == {"key": key, "value": "v"}


def url_keys(uid: str) -> list[str]:
    """The seed's own kind of key, and slashes where paths find them hardest."""
    return [f"http://example.com/video/{uid}", f"{uid}/a/b/c", f"/leading/{uid}/"]


@pytest.mark.parametrize("raw_slashes", [False, True], ids=["slash-as-%2F", "slash-as-is"])
def test_keys_with_slashes_work_on_every_item_route(api: Api, uid: str, raw_slashes: bool) -> None:
    for key in url_keys(uid):
        created = api.request("PUT", "items", key, raw_slashes, json={"value": key})
        assert created.status_code == 201, (key, created.text)
        assert created.json() == {"key": key, "value": key}
        assert api.send("GET", api.base_url + created.headers["Location"]).json()["key"] == key

        assert api.request("GET", "items", key, raw_slashes).json() == {"key": key, "value": key}
        assert api.request("HEAD", "items", key, raw_slashes).status_code == 200
        assert api.request("PUT", "items", key, raw_slashes, json={"value": "again"}).status_code == 200

    listed = {item["key"] for item in follow(api, "items", {"limit": "100"})}
    assert set(url_keys(uid)) <= listed

    for key in url_keys(uid):
        assert api.request("DELETE", "items", key, raw_slashes).status_code == 204
        assert api.request("GET", "items", key, raw_slashes).status_code == 404


@pytest.mark.parametrize("raw_slashes", [False, True], ids=["slash-as-%2F", "slash-as-is"])
def test_ids_with_slashes_work_on_every_record_route(api: Api, uid: str, raw_slashes: bool) -> None:
    for record_id in url_keys(uid):
        created = api.request("PUT", "records", record_id, raw_slashes, json={"status": "green"})
        assert created.status_code == 201, (record_id, created.text)
        assert created.json()["id"] == record_id
        assert api.send("GET", api.base_url + created.headers["Location"]).json()["id"] == record_id

        patched = api.request("PATCH", "records", record_id, raw_slashes, json={"status": "red"})
        assert (patched.status_code, patched.json()["id"]) == (200, record_id)
        fetched = api.request("GET", "records", record_id, raw_slashes, params={"status": "red"})
        assert (fetched.status_code, fetched.json()["version"]) == (200, 2)
        assert api.request("HEAD", "records", record_id, raw_slashes).headers["ETag"] == '"2"'

    listed = {record["id"] for record in follow(api, "records", {"status": "red", "limit": "100"})}
    assert set(url_keys(uid)) <= listed

    for record_id in url_keys(uid):
        deleted = api.request("DELETE", "records", record_id, raw_slashes, headers={"If-Match": '"2"'})
        assert deleted.status_code == 204
        assert api.request("GET", "records", record_id, raw_slashes).status_code == 404


@pytest.mark.parametrize("key", ["tab\there", "new\nline", "nul\x00", "x" * 1025, "é" * 513])
def test_keys_outside_the_api_limits_are_422(api: Api, key: str) -> None:
    response = api.request("PUT", "items", key, json={"value": "v"})

    assert_problem(response, 422)
    assert "key" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"value": ', 400),
        (b"not json", 400),
        (b'["value"]', 422),
        (b'{"value": 1}', 422),
        (b'{"value": "v", "extra": true}', 422),
        (b"{}", 422),
    ],
)
def test_bad_item_bodies_change_nothing(api: Api, uid: str, body: bytes, status: int) -> None:
    response = api.request("PUT", "items", uid, data=body, headers={"Content-Type": "application/json"})

    assert_problem(response, status)
    assert api.request("GET", "items", uid).status_code == 404


def test_a_body_over_the_limit_is_413(api: Api, uid: str) -> None:
    response = api.request("PUT", "items", uid, json={"value": "x" * MAX_BODY_BYTES})

    assert_problem(response, 413)
    assert api.request("GET", "items", uid).status_code == 404


def test_following_cursors_visits_every_item_exactly_once(api: Api, uid: str) -> None:
    keys = [f"{uid}-{number}" for number in range(7)]
    for key in keys:
        api.request("PUT", "items", key, json={"value": "v"})

    seen = Counter(item["key"] for item in follow(api, "items", {"limit": "3"}))

    assert all(seen[key] == 1 for key in keys)
    assert max(seen.values()) == 1


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"cursor": "not-issued"}]
)
def test_bad_list_queries_are_400(api: Api, params: dict[str, str]) -> None:
    assert_problem(api.request("GET", "items", params=params), 400)


# --- records -------------------------------------------------------------------------


def test_record_lifecycle_with_etags(api: Api, uid: str) -> None:
    created = api.request(
        "PUT", "records", uid, json={"status": "green", "data": {"n": 1.5}}, headers={"If-None-Match": "*"}
    )
    assert created.status_code == 201, created.text
    assert (created.headers["ETag"], created.headers["Location"].endswith(f"/records/{uid}")) == ('"1"', True)
    record = created.json()
    assert (record["id"], record["status"], record["version"], record["data"]) == (
        uid,
        "green",
        1,
        {"n": 1.5},
    )
    assert ISO_MILLIS_UTC.fullmatch(record["updated_at"])

    assert api.request("GET", "records", uid).headers["ETag"] == '"1"'
    head = api.request("HEAD", "records", uid)
    assert (head.status_code, head.headers["ETag"], head.content) == (200, '"1"', b"")
    assert api.request("HEAD", "records", uid, headers={"If-None-Match": '"1"'}).status_code == 304
    missing = api.request("HEAD", "records", f"{uid}-absent")
    assert (missing.status_code, missing.content) == (404, b"")
    assert api.request("GET", "records", uid, headers={"If-None-Match": '"1"'}).status_code == 304
    assert_problem(
        api.request("PUT", "records", uid, json={"status": "red"}, headers={"If-None-Match": "*"}), 412
    )

    patched = api.request("PATCH", "records", uid, json={"status": "red"}, headers={"If-Match": '"1"'})
    assert (patched.status_code, patched.headers["ETag"]) == (200, '"2"')
    assert patched.json()["status"] == "red"
    assert patched.json()["updated_at"] >= record["updated_at"]
    assert patched.json()["data"] == {"n": 1.5}

    assert_problem(
        api.request("PATCH", "records", uid, json={"status": "green"}, headers={"If-Match": '"1"'}), 412
    )
    assert_problem(api.request("DELETE", "records", uid, headers={"If-Match": '"1"'}), 412)
    assert api.request("DELETE", "records", uid, headers={"If-Match": '"2"'}).status_code == 204
    assert_problem(api.request("GET", "records", uid), 404)


def test_get_with_status_finds_only_a_matching_record(api: Api, uid: str) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})

    assert api.request("GET", "records", uid, params={"status": "green"}).status_code == 200
    assert_problem(api.request("GET", "records", uid, params={"status": "red"}), 404)
    assert_problem(api.request("GET", "records", uid, params={"status": "blue"}), 422)


def test_listing_by_status_uses_the_index_and_pages(api: Api, uid: str) -> None:
    statuses = {f"{uid}-{number}": ("green" if number % 2 else "red") for number in range(6)}
    for record_id, status in statuses.items():
        api.request("PUT", "records", record_id, json={"status": status})

    green = Counter(record["id"] for record in follow(api, "records", {"status": "green", "limit": "2"}))
    everything = Counter(record["id"] for record in follow(api, "records", {"limit": "4"}))

    assert {record_id for record_id in green if record_id.startswith(uid)} == {
        record_id for record_id, status in statuses.items() if status == "green"
    }
    assert all(everything[record_id] == 1 for record_id in statuses)
    assert max(green.values()) == max(everything.values()) == 1


def test_a_cursor_edited_to_name_the_other_status_is_400(api: Api, uid: str) -> None:
    for number in range(3):
        api.request("PUT", "records", f"{uid}-{number}", json={"status": "green"})
    issued = api.request("GET", "records", params={"status": "green", "limit": "1"}).json()["next_cursor"]
    payload = json.loads(base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4)))
    payload["s"] = "records:red"  # the scope of the other listing; the key still a green record
    edited = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    response = api.request("GET", "records", params={"status": "red", "cursor": edited})

    assert_problem(response, 400)


def test_unknown_statuses_are_422(api: Api, uid: str) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})

    assert_problem(api.request("PUT", "records", uid, json={"status": "blue"}), 422)
    assert_problem(api.request("PATCH", "records", uid, json={"status": "blue"}), 422)
    assert_problem(api.request("GET", "records", params={"status": "blue"}), 422)
    assert api.request("GET", "records", uid).json()["version"] == 1


def test_patching_a_missing_record_is_404_and_creates_nothing(api: Api, uid: str) -> None:
    assert_problem(api.request("PATCH", "records", uid, json={"status": "red"}), 404)
    assert api.request("GET", "records", uid).status_code == 404


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_long_list_of_entity_tags_is_a_4xx_and_changes_nothing(api: Api, uid: str, method: str) -> None:
    api.request("PUT", "records", uid, json={"status": "green"})
    tags = ", ".join(f'"{number}"' for number in range(1, 150))

    response = api.request(method, "records", uid, json={"status": "red"}, headers={"If-Match": tags})

    assert_problem(response, 422)
    assert api.request("GET", "records", uid).json()["version"] == 1


def test_json_nested_past_any_parser_is_a_400(api: Api, uid: str) -> None:
    deep = b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    assert_problem(api.request("PUT", "items", uid, data=deep), 400)


# --- concurrency ---------------------------------------------------------------------


def test_concurrent_requests_are_served(api: Api, uid: str) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(
            pool.map(
                lambda n: api.request("PUT", "items", f"{uid}-{n}", json={"value": "v"}).status_code,
                range(24),
            )
        )

    assert statuses == [201] * 24


WRITERS = 16


@pytest.fixture(params=["answers-arrive", "first-answers-lost"])
def racing_api(request: pytest.FixtureRequest, api: Api) -> Api:
    """The API as it is, and the one whose first answer to every write is lost after
    DynamoDB applied it (tests/support/lossy_proxy.py): the races hold on both."""
    if request.param == "answers-arrive":
        return api
    lossy_api: Api = request.getfixturevalue("lossy")[0]
    return lossy_api


def test_concurrent_conditional_writers_get_exactly_one_success(racing_api: Api, uid: str) -> None:
    api = racing_api
    api.request("PUT", "records", uid, json={"status": "green"})

    def patch(number: int) -> int:
        status = "red" if number % 2 else "green"
        headers = {"If-Match": '"1"'}
        return api.request("PATCH", "records", uid, json={"status": status}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = Counter(pool.map(patch, range(WRITERS)))

    assert statuses == Counter({200: 1, 412: WRITERS - 1})
    assert api.request("GET", "records", uid).json()["version"] == 2


def test_concurrent_creators_get_exactly_one_201(racing_api: Api, uid: str) -> None:
    api = racing_api

    def create(number: int) -> int:
        body = {"status": "green", "data": {"writer": number}}
        return api.request("PUT", "records", uid, json=body, headers={"If-None-Match": "*"}).status_code

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = Counter(pool.map(create, range(WRITERS)))

    assert statuses == Counter({201: 1, 412: WRITERS - 1})
    assert api.request("GET", "records", uid).json()["version"] == 1


def test_concurrent_unconditional_writers_are_all_counted(racing_api: Api, uid: str) -> None:
    api = racing_api
    api.request("PUT", "records", uid, json={"status": "green"})

    def patch(number: int) -> int:
        response = api.request("PATCH", "records", uid, json={"status": "red" if number % 2 else "green"})
        assert response.status_code == 200
        version: int = response.json()["version"]
        return version

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        versions = sorted(pool.map(patch, range(WRITERS)))

    # Every acknowledged write counted once: no two writers saw the same version.
    assert versions == list(range(2, WRITERS + 2))
    assert api.request("GET", "records", uid).json()["version"] == WRITERS + 1


# --- numbers -------------------------------------------------------------------------

# What a client sends, as text: 38 significant digits, the limits' extremes, an integer
# beyond any float's precision. Each must come back as the same number, integers as integers.
EXACT_NUMBERS = [
    "3.1415926535897932384626433832795028841",
    "12345678901234567890123456789012345678",
    "100000000000000000000000000000000000000",
    "-0.00000000000000000000000000000000000012345678901234567890123456789012345678",
    "1E-130",
    "9.9999999999999999999999999999999999999E+36",
    "0.1",
]


def _exactly(text: str) -> dict[str, Any]:
    """JSON read without floats: numbers stay the decimal text they were written as."""
    parsed: dict[str, Any] = json.loads(text, parse_float=Decimal, parse_int=int)
    return parsed


def test_numbers_come_back_exactly_as_sent(api: Api, uid: str) -> None:
    members = ", ".join(f'"n{index}": {number}' for index, number in enumerate(EXACT_NUMBERS))
    body = f'{{"status": "green", "data": {{{members}}}}}'.encode()
    expected = _exactly(f"{{{members}}}")

    written = api.request("PUT", "records", uid, data=body, headers={"Content-Type": "application/json"})
    read = api.request("GET", "records", uid)

    assert written.status_code == 201, written.text
    for response in (written, read):
        data = _exactly(response.text)["data"]
        assert data == expected
        assert {name: type(number) for name, number in data.items()} == {
            name: type(number) for name, number in expected.items()
        }


# --- API Gateway's own answers ---------------------------------------------------------

METHODS = ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS")


def undeclared_routes() -> list[tuple[str, str]]:
    """Every (method, template path) that template.yaml does not declare."""
    declared = set(api_routes())
    paths = sorted({path for _, path in declared})
    return [(method, path) for path in paths for method in METHODS if (method, path) not in declared]


@pytest.mark.parametrize(("method", "path"), undeclared_routes())
def test_a_method_a_path_does_not_declare_gets_api_gateway_answer(
    api: Api, uid: str, method: str, path: str
) -> None:
    # API Gateway answers before any function runs: 403 "Missing Authentication Token".
    url = api.base_url + re.sub(r"\{\w+\+\}", f"{uid}/x", path)

    response = api.send(method, url)

    assert response.status_code == 403, response.text
    if method != "HEAD":
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json() == gateway_problem("MISSING_AUTHENTICATION_TOKEN")


def gateway_problem(kind: str) -> Any:
    """The problem template.yaml declares for one of API Gateway's own answers."""
    declared = load_template()["Resources"]["Api"]["Properties"]["GatewayResponses"][kind]
    return json.loads(declared["ResponseTemplates"]["application/json"])


@pytest.mark.parametrize(
    "path", ["/", "/nothing", "/items/x/../../elsewhere", "/records-and-more", "/docs/nothing", "/docsx"]
)
def test_a_path_no_route_serves_gets_api_gateway_answer(api: Api, path: str) -> None:
    response = api.send("GET", api.base_url + path)

    assert response.status_code == 403
    assert response.json() == gateway_problem("MISSING_AUTHENTICATION_TOKEN")


@pytest.mark.parametrize("method", [method for method in METHODS if method not in {"GET", "HEAD"}])
@pytest.mark.parametrize("path", ["/docs", "/docs/openapi.json"])
def test_the_local_docs_page_takes_no_other_method(api: Api, method: str, path: str) -> None:
    # make start's /docs (a local page, README "Local development") is GET only: any other
    # method gets the answer of a path no route serves, as on a stage.
    response = api.send(method, api.base_url + path)

    assert response.status_code == 403, response.text
    assert response.json() == gateway_problem("MISSING_AUTHENTICATION_TOKEN")
