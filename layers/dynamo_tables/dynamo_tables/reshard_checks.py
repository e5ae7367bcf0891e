"""Before and after a re-shard's backfill (``reshard.py``): is the table ready for it, and
is every record right once it is over."""

from typing import TYPE_CHECKING

from dynamo_tables.calls import call, pages
from dynamo_tables.expressions import names_used_in
from dynamo_tables.records import utc_timestamp
from dynamo_tables.reshard import PROJECTION, item_update
from dynamo_tables.schema import COMPLEX_SCHEMA_INDEX_SHARD, COMPLEX_SCHEMA_INDEX_TWO
from dynamo_tables.shapes import Params

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def records_not_right(client: "DynamoDBClient", table_name: str, shards: int) -> int:
    """How many records a pass would still change: after a finished pass, those written since
    by functions still on the configuration before (a ``make publish`` not yet made)."""
    params: Params = {
        "TableName": table_name,
        "ProjectionExpression": PROJECTION,
        "ExpressionAttributeNames": names_used_in(PROJECTION),
    }
    now = utc_timestamp()
    return sum(
        item_update(item, shards, now) is not None
        for page in pages(client, "scan", params)
        for item in page["Items"]
    )


def indexes_ready(client: "DynamoDBClient", table_name: str, shards: int) -> list[str]:
    """What keeps the backfill of ``table_name`` to ``shards`` from starting, if anything: an
    index not yet ACTIVE (CloudFormation does not wait for a new index's own backfill), or
    the sharded index missing while the backfill would stamp shards for it."""
    table = call(client, "describe_table", {"TableName": table_name})["Table"]
    indexes = {index["IndexName"]: index["IndexStatus"] for index in table.get("GlobalSecondaryIndexes", [])}
    problems = [f"index {name} is {status}" for name, status in indexes.items() if status != "ACTIVE"]
    if shards and COMPLEX_SCHEMA_INDEX_SHARD not in indexes:
        problems.append(f"{table_name} has no {COMPLEX_SCHEMA_INDEX_SHARD}: deploy step 1 first")
    if not shards and COMPLEX_SCHEMA_INDEX_TWO not in indexes:
        problems.append(f"{table_name} has no {COMPLEX_SCHEMA_INDEX_TWO}: deploy step 1 first")
    return problems
