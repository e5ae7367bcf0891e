"""The DynamoDB client the table classes share, and the budget that bounds a fault.

One call's worst case: 3 attempts x (1 s connect + 1 s read) + standard back-off (<= 1 s,
2 s) = 9 s. A request that makes several calls shares one deadline among them
(``deadline.py``; the API sets it from the function's remaining time): the SDK gives up
first, so a slow or paused DynamoDB becomes the API's 503, never a Lambda timeout (a 502).
"""

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config

from dynamo_tables.deadline import attempt_guard
from dynamo_tables.settings import MAX_STATUS_INDEX_SHARDS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource

MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 1.0
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    # A sharded listing by status queries every shard at once (status_index.py); connections
    # are opened only as needed, so this is a ceiling, not a cost.
    max_pool_connections=MAX_STATUS_INDEX_SHARDS,
)
# The longest one attempt can take: no attempt starts that could end past a deadline.
ATTEMPT_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
_REFUSE_LATE_ATTEMPTS = attempt_guard(ATTEMPT_SECONDS)


@functools.cache
def default_client() -> "DynamoDBClient":
    """One client per process; region, credentials and endpoint come from the environment.

    ``AWS_ENDPOINT_URL_DYNAMODB`` (the SDK's own setting) points it at DynamoDB Local.
    """
    return client_for({})


def client_for(conf: Mapping[str, Any]) -> "DynamoDBClient":
    """A client of its own for the seed's ``aws_conf`` (keys, region, endpoint), with the same budget.

    botocore's, from its public session API, as ``boto3.client`` makes it (the same
    arguments): importing boto3 costs a cold start its session and S3 transfer manager.
    """
    client = _session().create_client("dynamodb", **{"config": CLIENT_CONFIG, **conf})
    return _within_deadlines(cast("DynamoDBClient", client))


@functools.cache
def _session() -> botocore.session.Session:
    """One botocore session per process, as boto3 keeps one default session."""
    return botocore.session.get_session()


def resource_for(conf: Mapping[str, Any]) -> "DynamoDBServiceResource":
    """boto3's resource layer, for the seed's ``get_table``: boto3 imported only when asked for."""
    import boto3

    resource = boto3.resource("dynamodb", **{"config": CLIENT_CONFIG, **conf})
    _within_deadlines(resource.meta.client)
    return resource


def _within_deadlines(client: "DynamoDBClient") -> "DynamoDBClient":
    """The client, its attempts refused past a deadline (``deadline.py``; botocore's public
    event, sent before each attempt, retries included)."""
    client.meta.events.register("before-send.dynamodb", _REFUSE_LATE_ATTEMPTS)
    return client
