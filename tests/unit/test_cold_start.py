"""What a cold start loads: only what every request of that function needs.

Counts and names, never times (``make bench`` measures the times). Each probe is a fresh
interpreter importing one handler, as Lambda's INIT does.
"""

import json
import os
import subprocess
import sys

import pytest

from devstack.template import ROOT, api_routes, function_code_dir

FUNCTIONS = sorted(set(api_routes().values()))

# Powertools' event_handler package imports every resolver it has when it is imported as a
# whole; a REST API's function needs none of these, nor the asyncio that AppSync pulls in.
NOT_FOR_EVERY_REQUEST = (
    "asyncio",
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.bedrock_agent_function",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.event_handler.http_resolver",
    "aws_lambda_powertools.event_handler.lambda_function_url",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    # Only a request that carries an Idempotency-Key needs these.
    "aws_lambda_powertools.utilities.idempotency",
    "tables_api.idempotency",
    # Only with the Tracing parameter Active (tests/unit/test_tracing.py).
    "aws_xray_sdk",
    "wrapt",
    # boto3 is a layer over botocore the functions do not need: its client is botocore's, made
    # from botocore's session, and item values are (de)serialized by the layer's own codec.
    # Importing it costs its session and, with boto3 1.44 (not 1.40), s3transfer with multiprocessing.
    "boto3",
    "s3transfer",
    "multiprocessing",
    # Only a SnapStart INIT registers runtime hooks.
    "tables_api.snapstart",
    "snapshot_restore_py",
)


def _loaded_by_import(function: str, then: str = "") -> list[str]:
    probe = f"""
import json, runpy, sys
sys.path.insert(0, {str(function_code_dir(function))!r})
import app
{then}
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run(  # noqa: S603 - this interpreter, on the probe above
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT / "layers/dynamo_tables"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "SIMPLE_TABLE_NAME": "SimpleTable",
            "COMPLEX_TABLE_NAME": "ComplexTable",
            "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
        },
    )
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_cold_start_loads_only_what_every_request_needs(function: str) -> None:
    loaded = set(_loaded_by_import(function))

    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded  # the probe saw the handler
    assert sorted(name for name in NOT_FOR_EVERY_REQUEST if name in loaded) == []


def test_the_whole_event_handler_package_still_answers_when_asked() -> None:
    # A name the package re-exports comes from its module alone; any other (here __all__)
    # runs the whole __init__, as importing the package would have.
    loaded = _loaded_by_import(
        "GetItemFunction",
        then="from aws_lambda_powertools.event_handler import AppSyncResolver, Response\n"
        "assert AppSyncResolver.__name__ == 'AppSyncResolver' and Response.__name__ == 'Response'\n"
        "assert 'aws_lambda_powertools.event_handler.bedrock_agent' not in sys.modules\n"
        "import aws_lambda_powertools.event_handler as whole\n"
        "assert 'BedrockAgentResolver' in whole.__all__",
    )

    assert "aws_lambda_powertools.event_handler.appsync" in loaded
    assert "aws_lambda_powertools.event_handler.bedrock_agent" in loaded
