"""The API in front of the seed's own tables (``ExistingSimpleTableName``,
``ExistingComplexTableName``), as a team that already runs them would deploy it: the tables
made by the seed's ``create_table`` with its schemas and filled by its own methods, URLs as
keys, before the local API starts; then every route over those items, which carry no
version, no write tokens and, some, no last-updated time.

The seed's ``update`` is sent as the seed's document writes it (``update_params``: status
and a minute timestamp, nothing else): this layer's ``update`` also moves a version, so it
would not leave what the seed's repository leaves. Local only: the tables are made here.
"""

import os
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devstack.dynamodb_local import DynamoDBLocal, free_port
from dynamo_tables import GREEN, RED, ComplexTableClass, SimpleTableClass
from dynamo_tables.schema import (
    COMPLEX_SCHEMA,
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
    COMPLEX_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA,
    SIMPLE_SCHEMA_TABLE_NAME,
    SIMPLE_SCHEMA_VALUE,
)
from tests.conftest import API_CREDENTIALS
from tests.http.conftest import Api
from tests.support.processes import start_devstack, wait_until_serving

ADOPTING = (
    f"ApiAuth=NONE ExistingSimpleTableName={SIMPLE_SCHEMA_TABLE_NAME}"
    f" ExistingComplexTableName={COMPLEX_SCHEMA_TABLE_NAME}"
)
URLS = ("video", "audio", "image", "page", "doc", "feed")  # http://example.com/<name>, the seed's kind of key


@dataclass(frozen=True)
class SeedTables:
    api: Api
    simple: SimpleTableClass
    complex: ComplexTableClass


def _seed_update(table: ComplexTableClass, key: str, status: str) -> None:
    """The seed's ``ComplexTableClass.update``, as its document writes it."""
    timestamp = datetime.now(UTC).strftime("%Y-%m-%d-%H-%M")
    table.dynamodb.update_item(
        ExpressionAttributeNames={"#LU": COMPLEX_SCHEMA_KEY_THREE, "#S": COMPLEX_SCHEMA_KEY_TWO},
        ExpressionAttributeValues={":lu": {"S": timestamp}, ":s": {"S": status}},
        Key={COMPLEX_SCHEMA_KEY_ONE: {"S": key}},
        ReturnValues="UPDATED_NEW",
        TableName=COMPLEX_SCHEMA_TABLE_NAME,
        UpdateExpression="SET #LU = :lu, #S = :s",
    )


def _filled(conf: dict[str, str]) -> tuple[SimpleTableClass, ComplexTableClass]:
    simple, records = SimpleTableClass(conf), ComplexTableClass(conf)
    simple.create_table(SIMPLE_SCHEMA, SIMPLE_SCHEMA_TABLE_NAME)
    records.create_table(COMPLEX_SCHEMA, COMPLEX_SCHEMA_TABLE_NAME)
    for name in URLS:
        url = f"http://example.com/{name}"
        simple.set_value(url, "example.com")
        records.put(url, {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})  # no time, no version
    simple.put("http://example.com/raw", {SIMPLE_SCHEMA_VALUE: {"S": "put"}})
    for name in ("video", "doc"):
        _seed_update(records, f"http://example.com/{name}", RED)
    return simple, records


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[SeedTables]:
    if os.environ.get("API_URL"):
        pytest.skip("the seed's tables are made here, on a DynamoDB Local of this test's own")
    request.getfixturevalue("built")
    log: Path = tmp_path_factory.mktemp("devstack-adopted") / "devstack.log"
    port = free_port()
    with DynamoDBLocal(free_port()) as dynamodb, log.open("w") as output:
        conf = {
            "aws_access_key_id": "dummykey",
            "aws_secret_access_key": "dummy_secret",
            "region_name": "us-east-1",
            "endpoint_url": dynamodb.endpoint_url,
        }
        simple, records = _filled(conf)
        process = start_devstack(
            "--port",
            str(port),
            "--ddb-port",
            str(dynamodb.port),
            "--no-build",
            "--pool-size",
            "1",
            "--no-reload",
            "--parameter-overrides",
            ADOPTING,
            log=output,
        )
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process)
            yield SeedTables(Api(f"http://127.0.0.1:{port}", API_CREDENTIALS), simple, records)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _url(name: str) -> str:
    return f"http://example.com/{name}"


def _all(api: Api, collection: str, member: str, **params: str) -> list[dict[str, Any]]:
    listed, cursor = [], None
    while True:
        answer = api.request(
            "GET", collection, params={**params, "limit": "100", **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        listed += answer.json()[member]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return listed


def test_the_local_api_serves_the_seeds_tables_and_creates_none(seed: SeedTables) -> None:
    tables = seed.simple.dynamodb.list_tables()["TableNames"]

    assert sorted(tables) == sorted([SIMPLE_SCHEMA_TABLE_NAME, COMPLEX_SCHEMA_TABLE_NAME, "IdempotencyTable"])


def test_items_from_before_are_read_and_listed(seed: SeedTables) -> None:
    answer = seed.api.request("GET", "items", _url("video"))

    assert answer.status_code == 200
    assert answer.json() == {"key": _url("video"), "value": "example.com"}
    assert seed.api.request("GET", "items", "http://example.com/raw").json()["value"] == "put"
    listed = {item["key"] for item in _all(seed.api, "items", "items")}
    assert {_url(name) for name in URLS} | {"http://example.com/raw"} <= listed


def test_records_from_before_are_read_and_listed_by_status(seed: SeedTables) -> None:
    answer = seed.api.request("GET", "records", _url("audio"))

    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"0"'  # no Version: version 0
    assert answer.json()["status"] == GREEN
    assert answer.json()["version"] == 0
    assert {record["id"] for record in _all(seed.api, "records", "records")} >= {_url(name) for name in URLS}
    reds = {record["id"] for record in _all(seed.api, "records", "records", status=RED)}
    assert {_url("video"), _url("doc")} <= reds
    assert _url("audio") not in reds


def test_the_etag_of_a_record_from_before_makes_a_conditional_write(seed: SeedTables) -> None:
    etag = seed.api.request("GET", "records", _url("page")).headers["ETag"]

    put = seed.api.request("PUT", "records", _url("page"), json={"status": RED}, headers={"If-Match": etag})
    stale = seed.api.request(
        "PUT", "records", _url("page"), json={"status": GREEN}, headers={"If-Match": etag}
    )

    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.headers["ETag"]) == (1, '"1"')
    assert stale.status_code == 412, stale.text
    assert seed.complex.get_record(_url("page")).status == RED
    etag = seed.api.request("GET", "records", _url("video")).headers["ETag"]  # the seed's update: no Version
    patched = seed.api.request(
        "PATCH", "records", _url("video"), json={"status": GREEN}, headers={"If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 1


def test_if_none_match_of_a_record_from_before_holds_it(seed: SeedTables) -> None:
    refused = seed.api.request(
        "PUT", "records", _url("feed"), json={"status": RED}, headers={"If-None-Match": '"0"'}
    )

    assert refused.status_code == 412, refused.text
    assert seed.complex.get_record(_url("feed")).status == GREEN


def test_keyed_writes_over_items_from_before_answer_the_same_and_apply_once(seed: SeedTables) -> None:
    writes = [
        ("PUT", "items", _url("image"), {"value": "changed"}),
        ("PATCH", "records", _url("image"), {"status": RED}),
        ("PUT", "records", _url("doc"), {"status": GREEN, "data": {"n": 1}}),
        ("DELETE", "records", _url("audio"), None),
    ]
    for method, collection, key, body in writes:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        first = seed.api.request(method, collection, key, json=body, headers=headers)
        again = seed.api.request(method, collection, key, json=body, headers=headers)

        assert first.status_code in (200, 204), (method, key, first.text)
        assert (again.status_code, again.content) == (first.status_code, first.content), (method, key)
        assert again.headers.get("ETag") == first.headers.get("ETag")
    assert seed.simple.get_value(_url("image")).value == "changed"
    assert seed.complex.get_record(_url("image")).version == 1  # applied once
    assert seed.complex.get_record(_url("doc")).version == 1
    assert seed.api.request("GET", "records", _url("audio")).status_code == 404


def test_put_replaces_an_item_from_before_and_delete_removes_one(seed: SeedTables) -> None:
    replaced = seed.api.request("PUT", "items", _url("audio"), json={"value": "new"})
    removed = seed.api.request("DELETE", "items", _url("doc"))

    assert replaced.status_code == 200, replaced.text  # it existed: replaced, not created
    assert seed.simple.get(_url("audio"))["Item"][SIMPLE_SCHEMA_VALUE] == {"S": "new"}
    assert removed.status_code == 204
    assert not seed.simple.exists(_url("doc"))
