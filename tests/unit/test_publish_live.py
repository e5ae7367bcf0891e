"""``make publish``: after a parameter-only deploy, ``live`` moves to a version holding the
new configuration, for every function of the stack and nothing else."""

import io
import zipfile
from typing import Any

import boto3
from botocore.stub import Stubber
from moto import mock_aws

from scripts.publish_live import ALIAS, publish_live


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _deployed_function(lambda_client: Any, role: str, name: str) -> None:
    """As a first deploy leaves it: version 1, and ``live`` on it."""
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.lambda_handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"POWERTOOLS_LOG_LEVEL": "INFO"}},
    )
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)


def test_live_moves_to_a_version_with_the_new_parameter_value() -> None:
    with mock_aws():
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lambda_client = boto3.client("lambda")
        for name in ("stack-GetItem", "stack-PutItem"):
            _deployed_function(lambda_client, role, name)
        # The parameter-only deploy: $LATEST changes, no version is published.
        lambda_client.update_function_configuration(
            FunctionName="stack-GetItem", Environment={"Variables": {"POWERTOOLS_LOG_LEVEL": "DEBUG"}}
        )
        cloudformation = boto3.client("cloudformation")
        resources = [
            {"LogicalResourceId": "GetItemFunction", "PhysicalResourceId": "stack-GetItem"},
            {"LogicalResourceId": "PutItemFunction", "PhysicalResourceId": "stack-PutItem"},
            {"LogicalResourceId": "GetItemFunctionAliaslive", "PhysicalResourceId": "arn:alias"},
        ]
        types = ["AWS::Lambda::Function", "AWS::Lambda::Function", "AWS::Lambda::Alias"]
        summaries = [
            {
                **resource,
                "ResourceType": kind,
                "LastUpdatedTimestamp": "2026-11-26T00:00:00Z",
                "ResourceStatus": "UPDATE_COMPLETE",
            }
            for resource, kind in zip(resources, types, strict=True)
        ]
        with Stubber(cloudformation) as stack:
            stack.add_response(
                "list_stack_resources", {"StackResourceSummaries": summaries}, {"StackName": "stack"}
            )
            moved = publish_live("stack", cloudformation, lambda_client)

        assert [function for function, _ in moved] == ["stack-GetItem", "stack-PutItem"]
        live = lambda_client.get_function_configuration(FunctionName="stack-GetItem", Qualifier=ALIAS)
        assert live["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
