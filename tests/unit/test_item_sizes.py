"""The sizes the README and docs/PERFORMANCE.md give for what the write tokens cost, by
DynamoDB's item-size rule (``status_index.item_size``), on the items the layer writes."""

from typing import Any

from dynamo_tables import ComplexTableClass
from dynamo_tables.status_index import item_size
from dynamo_tables.write_tokens import RECENT

WRITE_UNIT_BYTES = 1024  # DynamoDB bills a write per started kilobyte of the item


def _after_writes(records: ComplexTableClass, dynamodb: Any, data: dict[str, Any] | None) -> dict[str, Any]:
    for _ in range(RECENT):
        records.put_record("order-1", "green", data)
    item: dict[str, Any] = dynamodb.get_item(
        TableName="ComplexTable", Key={"AttributeOneKey": {"S": "order-1"}}
    )["Item"]
    return item


def test_the_tokens_of_sixteen_writes_are_294_bytes(records: ComplexTableClass, dynamodb: Any) -> None:
    item = _after_writes(records, dynamodb, None)

    assert item_size({name: value for name, value in item.items() if name.startswith("W")}) == 294


def test_a_record_without_data_is_386_bytes_and_passes_a_kilobyte_past_about_630_bytes_of_data(
    records: ComplexTableClass, dynamodb: Any
) -> None:
    bare = item_size(_after_writes(records, dynamodb, None))
    # "Data" and a map of one member named "n": what a string of data adds besides itself
    overhead = item_size(_after_writes(records, dynamodb, {"n": ""})) - bare
    one_unit = item_size(_after_writes(records, dynamodb, {"n": "x" * (WRITE_UNIT_BYTES - bare - overhead)}))

    assert bare == 386
    assert WRITE_UNIT_BYTES - bare - overhead == 629  # a string this long in data: one unit still
    assert one_unit == WRITE_UNIT_BYTES
