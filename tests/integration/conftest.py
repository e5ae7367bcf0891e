"""Integration tier: AWS's DynamoDB Local, started and stopped by the tests themselves."""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.dynamodb_local import DynamoDBLocal, free_port
from devstack.stack import LocalStack
from devstack.template import table_definitions

# DynamoDB Local accepts only letters and digits in an access key id; botocore wants
# a real region name. These are the seed's dummies, made acceptable.
CREDENTIALS = {
    "aws_access_key_id": "dummykey",
    "aws_secret_access_key": "dummysecret",
    "region_name": "us-east-1",
}


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    with DynamoDBLocal(port=free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def aws_conf(dynamodb_local: DynamoDBLocal) -> dict[str, str]:
    """The seed's ``aws_conf``, pointing at this run's DynamoDB Local."""
    return {**CREDENTIALS, "endpoint_url": dynamodb_local.endpoint_url}


@pytest.fixture(scope="session")
def client(aws_conf: dict[str, str]) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=aws_conf["endpoint_url"],
        region_name=aws_conf["region_name"],
        aws_access_key_id=aws_conf["aws_access_key_id"],
        aws_secret_access_key=aws_conf["aws_secret_access_key"],
    )


@pytest.fixture
def table_names(client: Any) -> Iterator[dict[str, str]]:
    """Fresh tables from template.yaml, with names of their own, dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = {logical_id: f"{logical_id}-{suffix}" for logical_id in table_definitions()}
    for logical_id, definition in table_definitions().items():
        client.create_table(TableName=names[logical_id], **definition)
    yield names
    for name in names.values():
        client.delete_table(TableName=name)


@pytest.fixture(scope="session")
def local_stack(dynamodb_local: DynamoDBLocal, built: Path) -> Iterator[LocalStack]:
    """What sam build made, each function in a pool of runtime emulators, on this DynamoDB Local."""
    stack = LocalStack(
        ddb_port=dynamodb_local.port, data_dir=None, pool_size=2, build=False, log_sink=lambda *_: None
    )
    yield stack.start()
    stack.stop()
