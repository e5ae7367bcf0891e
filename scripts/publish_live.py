"""``make publish STACK=<name>``: publish every function of a deployed stack and move ``live``.

A deploy that changes only a parameter's value (``LogLevel``, ``RecordStatuses``,
``StatusIndexShards``, ``SnapStart``, ``CorsAllowedOrigins``) updates each function's
``$LATEST`` but publishes no version (SAM computes a version's name before parameters are
resolved: SAM issue #3820), so the alias API Gateway calls keeps the old configuration. This
publishes ``$LATEST`` of each function and points ``live`` at it; a function whose
``$LATEST`` is already published keeps its version, as Lambda's PublishVersion does.
"""

import argparse
import sys
from collections.abc import Iterator
from typing import Any

import boto3

ALIAS = "live"  # template.yaml's AutoPublishAlias


def functions_of(stack: str, cloudformation: Any) -> Iterator[str]:
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::Lambda::Function":
                yield resource["PhysicalResourceId"]


def publish_live(stack: str, cloudformation: Any, lambda_client: Any) -> list[tuple[str, str]]:
    """(function, version ``live`` now points at) for every function of ``stack``."""
    moved = []
    for function in functions_of(stack, cloudformation):
        lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function)
        version = lambda_client.publish_version(FunctionName=function)["Version"]
        lambda_client.update_alias(FunctionName=function, Name=ALIAS, FunctionVersion=version)
        moved.append((function, version))
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make publish", description=__doc__)
    parser.add_argument("stack", help="the stack's name, e.g. dynamodb-backend-dev")
    args = parser.parse_args(argv)
    moved = publish_live(args.stack, boto3.client("cloudformation"), boto3.client("lambda"))
    for function, version in moved:
        print(f"{function}: {ALIAS} -> version {version}")
    if not moved:
        print(f"no functions in stack {args.stack}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
