"""The seed document's table schemas, with the seed's names and values.

They are usable with ``create_table`` exactly as in the seed. ``template.yaml`` is the
source of truth for the deployed tables; ``tests/unit/test_schema.py`` proves these
constants describe the same tables, so the two cannot drift apart.
"""

from typing import Any

SIMPLE_SCHEMA_TABLE_NAME = "SimpleSchemaTableName"
SIMPLE_SCHEMA_KEY = "IndexKey"
SIMPLE_SCHEMA_VALUE = "Value"
SIMPLE_SCHEMA: dict[str, Any] = {
    "TableName": SIMPLE_SCHEMA_TABLE_NAME,
    "AttributeDefinitions": [{"AttributeName": SIMPLE_SCHEMA_KEY, "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": SIMPLE_SCHEMA_KEY, "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
}

COMPLEX_SCHEMA_TABLE_NAME = "ComplexSchemaTableName"
COMPLEX_SCHEMA_KEY_ONE = "AttributeOneKey"
COMPLEX_SCHEMA_KEY_TWO = "AttributeTwoKey"
COMPLEX_SCHEMA_KEY_THREE = "AttributeThreeKey"
COMPLEX_SCHEMA_INDEX_TWO = "AttributeTwoIndexName"
# Not the seed's: the write-sharded status index that template parameter StatusIndexShards
# puts in place of the seed's (``"<status>#<shard>"``, sorted by the last-updated time).
COMPLEX_SCHEMA_KEY_SHARD = "AttributeTwoShard"
COMPLEX_SCHEMA_INDEX_SHARD = "AttributeTwoShardIndexName"
COMPLEX_SCHEMA: dict[str, Any] = {
    "TableName": COMPLEX_SCHEMA_TABLE_NAME,
    "AttributeDefinitions": [
        {"AttributeName": COMPLEX_SCHEMA_KEY_ONE, "AttributeType": "S"},
        {"AttributeName": COMPLEX_SCHEMA_KEY_TWO, "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": COMPLEX_SCHEMA_KEY_ONE, "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    "GlobalSecondaryIndexes": [
        {
            "IndexName": COMPLEX_SCHEMA_INDEX_TWO,
            "KeySchema": [{"AttributeName": COMPLEX_SCHEMA_KEY_TWO, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        }
    ],
}
