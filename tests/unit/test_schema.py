"""The seed's schema constants describe the same tables as template.yaml."""

from typing import Any

import pytest

from devstack.template import table_definitions
from dynamo_tables import schema

SEED_SCHEMAS = {"SimpleTable": schema.SIMPLE_SCHEMA, "ComplexTable": schema.COMPLEX_SCHEMA}


def _shape(definition: dict[str, Any]) -> dict[str, Any]:
    """What makes two table definitions the same table, in a comparable order."""
    return {
        "attributes": sorted(
            (a["AttributeName"], a["AttributeType"]) for a in definition["AttributeDefinitions"]
        ),
        "keys": [(k["AttributeName"], k["KeyType"]) for k in definition["KeySchema"]],
        "indexes": sorted(
            (
                index["IndexName"],
                tuple((k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
            )
            for index in definition.get("GlobalSecondaryIndexes", [])
        ),
    }


@pytest.mark.parametrize("logical_id", sorted(SEED_SCHEMAS))
def test_template_tables_have_the_seed_keys_and_indexes(logical_id: str) -> None:
    assert _shape(table_definitions()[logical_id]) == _shape(SEED_SCHEMAS[logical_id])


@pytest.mark.parametrize("logical_id", sorted(SEED_SCHEMAS))
def test_provisioned_mode_uses_the_seed_capacity_on_table_and_index(logical_id: str) -> None:
    template = table_definitions(parameters={"BillingMode": "PROVISIONED"})[logical_id]
    seed = SEED_SCHEMAS[logical_id]

    assert template["BillingMode"] == "PROVISIONED"
    assert template["ProvisionedThroughput"] == seed["ProvisionedThroughput"]
    for template_index, seed_index in zip(
        template.get("GlobalSecondaryIndexes", []), seed.get("GlobalSecondaryIndexes", []), strict=True
    ):
        assert template_index["ProvisionedThroughput"] == seed_index["ProvisionedThroughput"]


def test_on_demand_is_the_default_and_carries_no_capacity() -> None:
    for definition in table_definitions().values():
        assert definition["BillingMode"] == "PAY_PER_REQUEST"
        assert "ProvisionedThroughput" not in definition
        for index in definition.get("GlobalSecondaryIndexes", []):
            assert "ProvisionedThroughput" not in index


def test_the_seed_names_and_values_are_kept() -> None:
    assert (schema.SIMPLE_SCHEMA_TABLE_NAME, schema.SIMPLE_SCHEMA_KEY, schema.SIMPLE_SCHEMA_VALUE) == (
        "SimpleSchemaTableName",
        "IndexKey",
        "Value",
    )
    assert (
        schema.COMPLEX_SCHEMA_TABLE_NAME,
        schema.COMPLEX_SCHEMA_KEY_ONE,
        schema.COMPLEX_SCHEMA_KEY_TWO,
        schema.COMPLEX_SCHEMA_KEY_THREE,
        schema.COMPLEX_SCHEMA_INDEX_TWO,
    ) == (
        "ComplexSchemaTableName",
        "AttributeOneKey",
        "AttributeTwoKey",
        "AttributeThreeKey",
        "AttributeTwoIndexName",
    )
    assert schema.SIMPLE_SCHEMA["TableName"] == schema.SIMPLE_SCHEMA_TABLE_NAME
    assert schema.COMPLEX_SCHEMA["TableName"] == schema.COMPLEX_SCHEMA_TABLE_NAME
