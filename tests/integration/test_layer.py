"""The layer against the real DynamoDB Local: what moto might get subtly wrong."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from dynamo_tables import (
    AlreadyExists,
    ComplexTableClass,
    NotFound,
    Precondition,
    SimpleTableClass,
    VersionConflict,
    default_client,
)

BIG = "x" * 4000  # 300 items of ~4 KB: over DynamoDB's 1 MB page, so Scan and Query page


@pytest.fixture
def items(client: Any, table_names: dict[str, str]) -> SimpleTableClass:
    return SimpleTableClass(client=client, table_name=table_names["SimpleTable"])


@pytest.fixture
def records(client: Any, table_names: dict[str, str]) -> ComplexTableClass:
    return ComplexTableClass(client=client, table_name=table_names["ComplexTable"])


def test_list_all_follows_every_page(items: SimpleTableClass, client: Any) -> None:
    for number in range(300):
        items.set_value(f"k{number}", BIG)

    one_page = client.scan(TableName=items.table_name)

    assert "LastEvaluatedKey" in one_page  # DynamoDB did split the table into pages
    assert items.list_all()["Count"] == 300


def test_filter_by_key_two_follows_every_page(records: ComplexTableClass) -> None:
    for number in range(300):
        records.put_record(f"r{number}", "green" if number % 3 else "red", {"blob": BIG})

    assert records.filter_by_key_two("green")["Count"] == 200
    assert records.filter_by_key_two("red")["Count"] == 100


def test_cursors_visit_every_item_exactly_once(items: SimpleTableClass) -> None:
    for number in range(57):
        items.put_value(f"k{number}", "v")

    seen: list[str] = []
    cursor = None
    while True:
        page = items.list_values(limit=10, cursor=cursor)
        seen += [item.key for item in page.items]
        if not (cursor := page.next_cursor):
            break

    assert sorted(seen) == sorted(f"k{number}" for number in range(57))


def test_conditional_writes(records: ComplexTableClass) -> None:
    records.put_record("r", "green", {"n": 1}, Precondition(must_not_exist=True))

    with pytest.raises(AlreadyExists):
        records.put_record("r", "green", None, Precondition(must_not_exist=True))
    with pytest.raises(VersionConflict):
        records.set_status("r", "red", Precondition(versions=(2,)))
    with pytest.raises(NotFound):
        records.delete_record("absent", Precondition(versions=(1,)))

    assert records.set_status("r", "red", Precondition(versions=(1,))).version == 2
    records.delete_record("r", Precondition(versions=(2,)))
    with pytest.raises(NotFound):
        records.get_record("r")


def test_data_round_trips(records: ComplexTableClass) -> None:
    data = {
        "nested": {"list": [1, Decimal("-2.5"), "s", None, False, {"x": []}]},
        "big": 10**38,
        "tiny": Decimal("1E-100"),
    }

    written, _ = records.put_record("r", "green", data)

    assert written.data == data
    assert records.get_record("r").data == data


@pytest.fixture
def environment_only(
    monkeypatch: pytest.MonkeyPatch, aws_conf: dict[str, str], table_names: dict[str, str]
) -> Iterator[None]:
    """Only environment variables, as template.yaml and Lambda provide them."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", aws_conf["endpoint_url"])
    monkeypatch.setenv("SIMPLE_TABLE_NAME", table_names["SimpleTable"])
    monkeypatch.setenv("COMPLEX_TABLE_NAME", table_names["ComplexTable"])
    default_client.cache_clear()
    yield
    default_client.cache_clear()


def test_constructed_with_nothing_everything_comes_from_the_environment(environment_only: None) -> None:
    items = SimpleTableClass()
    records = ComplexTableClass()

    items.set_value("k", "v")
    records.put_record("r", "green")

    assert items.table_name.startswith("SimpleTable-")
    assert items.get_value("k").value == "v"
    assert records.get_record("r").status == "green"
