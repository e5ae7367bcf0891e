"""The deployed stack exposes nothing it should not: checked on the template as
aws-sam-translator expands it, which is what CloudFormation receives."""

import json
import tomllib
from typing import Any

import pytest

from devstack.template import ROOT, api_routes, condition_holds, load_template, resources_of_type
from dynamo_tables import default_client
from tests.support.events import EXPECTED_STATUS, event_names, function_for, load_event
from tests.support.translate import expand, resources
from tests.unit.conftest import Invoke, load_handler

# What each route needs, and nothing more: (actions, resource) pairs.
SIMPLE = {"Fn::GetAtt": ["SimpleTable", "Arn"]}
COMPLEX = {"Fn::GetAtt": ["ComplexTable", "Arn"]}
STATUS_INDEX = {"Fn::Sub": "${ComplexTable.Arn}/index/AttributeTwoIndexName"}
SHARDED_STATUS_INDEX = {"Fn::Sub": "${ComplexTable.Arn}/index/AttributeTwoShardIndexName"}
# StatusIndexShards: off (the seed's index) and on (the write-sharded index instead).
SHARDS = ["0", "8"]
# Writes keep their first answer to an Idempotency-Key (Powertools' utility) in their own table.
IDEMPOTENCY = (
    {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
    {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
)
NEEDS: dict[str, list[tuple[set[str], Any]]] = {
    "PutItemFunction": [({"dynamodb:UpdateItem"}, SIMPLE), IDEMPOTENCY],
    "GetItemFunction": [({"dynamodb:GetItem"}, SIMPLE)],
    "DeleteItemFunction": [({"dynamodb:DeleteItem"}, SIMPLE), IDEMPOTENCY],
    "ListItemsFunction": [({"dynamodb:Scan"}, SIMPLE)],
    "PutRecordFunction": [({"dynamodb:UpdateItem"}, COMPLEX), IDEMPOTENCY],
    "GetRecordFunction": [({"dynamodb:GetItem"}, COMPLEX)],
    "PatchRecordFunction": [({"dynamodb:UpdateItem"}, COMPLEX), IDEMPOTENCY],
    "DeleteRecordFunction": [({"dynamodb:DeleteItem"}, COMPLEX), IDEMPOTENCY],
    "ListRecordsFunction": [({"dynamodb:Scan"}, COMPLEX), ({"dynamodb:Query"}, STATUS_INDEX)],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
XRAY_WRITE = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"


def _needs(function: str, shards: str) -> list[tuple[set[str], Any]]:
    """What the function needs with ``StatusIndexShards`` at ``shards``: a listing by status
    queries the one status index the table has."""
    index = STATUS_INDEX if shards == "0" else SHARDED_STATUS_INDEX
    return [
        (actions, index if resource is STATUS_INDEX else resource) for actions, resource in NEEDS[function]
    ]


def _grants(role: dict[str, Any], template: dict[str, Any], shards: str) -> list[tuple[set[str], Any]]:
    """The role's (actions, resource) pairs, each ``Fn::If`` resolved as CloudFormation would."""
    grants = []
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            resource = statement["Resource"]
            if "Fn::If" in resource:
                name, if_true, if_false = resource["Fn::If"]
                holds = condition_holds(name, template, {"StatusIndexShards": shards})
                resource = if_true if holds else if_false
            grants.append(({actions} if isinstance(actions, str) else set(actions), resource))
    return grants


def _managed(role: dict[str, Any]) -> set[str]:
    return {
        arn["Fn::Sub"] if isinstance(arn, dict) else arn for arn in role["Properties"]["ManagedPolicyArns"]
    }


def test_every_function_is_covered() -> None:
    assert set(NEEDS) == set(resources_of_type(load_template(), "AWS::Serverless::Function"))


@pytest.mark.parametrize("shards", SHARDS)
@pytest.mark.parametrize("function", sorted(NEEDS))
def test_each_function_may_do_only_what_its_route_needs(function: str, shards: str) -> None:
    template = expand(StatusIndexShards=shards)
    role = resources(template, "AWS::IAM::Role")[f"{function}Role"]

    assert _grants(role, template, shards) == _needs(function, shards)
    assert _managed(role) == {BASIC_EXECUTION, XRAY_WRITE}


def _methods(template: dict[str, Any]) -> list[dict[str, Any]]:
    (api,) = resources(template, "AWS::ApiGateway::RestApi").values()
    return [method for path in api["Properties"]["Body"]["paths"].values() for method in path.values()]


def test_iam_authentication_is_the_default_on_every_method() -> None:
    methods = _methods(expand())

    assert len(methods) == len(api_routes())
    for method in methods:
        assert method["security"] == [{"AWS_IAM": []}]
        assert "credentials" not in method["x-amazon-apigateway-integration"]


def test_a_dev_stack_can_turn_authentication_off() -> None:
    assert all("security" not in method for method in _methods(expand(ApiAuth="NONE")))


def _overrides(environment: str) -> dict[str, str]:
    """What ``sam deploy --config-env <environment>`` passes, the template's defaults under it."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    given = config[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    defaults = {name: str(spec.get("Default", "")) for name, spec in load_template()["Parameters"].items()}
    return {**defaults, **dict(pair.split("=", 1) for pair in given.split())}


def test_samconfig_keeps_prod_locked_down() -> None:
    prod = _overrides("prod")

    assert prod["ApiAuth"] == "AWS_IAM"
    assert prod["DeletionProtection"] == "true"


def test_a_plain_sam_deploy_is_neither_open_nor_verbose() -> None:
    # `sam deploy` with no --config-env uses [default]: an open, DEBUG-logging stack must be
    # chosen by name (--config-env dev), never be what a bare command creates.
    default = _overrides("default")

    assert default["ApiAuth"] == "AWS_IAM"
    assert default["LogLevel"] == "INFO"


@pytest.mark.parametrize("table", ["SimpleTable", "ComplexTable"])
def test_tables_are_retained_backed_up_and_encrypted(table: str) -> None:
    resource = load_template()["Resources"][table]
    properties = resource["Properties"]

    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["SSESpecification"]["KMSMasterKeyId"] == {
        "Fn::If": ["HasTableKmsKey", {"Ref": "TableKmsKeyArn"}, {"Ref": "AWS::NoValue"}]
    }
    assert properties["DeletionProtectionEnabled"] == {"Ref": "DeletionProtection"}


def test_the_stage_is_throttled_traced_and_access_logged_without_bodies() -> None:
    (stage,) = resources(expand(), "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    (settings,) = properties["MethodSettings"]

    assert properties["TracingEnabled"] == {"Fn::If": ["TracingOn", True, False]}  # the Tracing parameter
    assert properties["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in properties["AccessLogSetting"]["Format"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["DataTraceEnabled"] is False


def test_every_function_logs_to_its_own_group_with_a_retention() -> None:
    template = load_template()
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup", name
        assert template["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Resources"]["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }


def test_every_checkov_skip_gives_its_reason() -> None:
    for name, resource in load_template()["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, f"{name}: skip {skip['id']} without a reason"


# API Gateway answers these itself, before any function runs (unknown route or method,
# signature, throttling, size, timeout): each must be an RFC 9457 problem like the API's own.
GATEWAY_ANSWERS = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "EXPIRED_TOKEN": 403,
    "ACCESS_DENIED": 403,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "INTEGRATION_TIMEOUT": 504,
    "INTEGRATION_FAILURE": 504,
}


def test_api_gateway_own_answers_are_problems() -> None:
    declared = load_template()["Resources"]["Api"]["Properties"]["GatewayResponses"]

    assert {kind: int(answer["StatusCode"]) for kind, answer in declared.items()} == GATEWAY_ANSWERS
    for kind, answer in declared.items():
        assert answer["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'", kind
        problem = json.loads(answer["ResponseTemplates"]["application/json"])
        assert set(problem) == {"type", "title", "status", "detail"}, kind
        assert problem["status"] == int(answer["StatusCode"]), kind


def test_the_gateway_answers_reach_cloudformation() -> None:
    (api,) = resources(expand(), "AWS::ApiGateway::RestApi").values()
    answers = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]

    assert {kind: int(answer["statusCode"]) for kind, answer in answers.items()} == GATEWAY_ANSWERS
    assert {
        answer["responseParameters"]["gatewayresponse.header.Content-Type"] for answer in answers.values()
    } == {"'application/problem+json'"}


def _calls_made(handler: Any, invoke: Invoke, event: dict[str, Any]) -> set[tuple[str, str]]:
    """(IAM action, table) of every DynamoDB call the handler makes for ``event``."""
    calls: set[tuple[str, str]] = set()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":  # IAM checks each action inside a transaction
            for action in params["TransactItems"]:
                ((kind, body),) = action.items()
                calls.add(
                    (
                        f"dynamodb:{kind}Item" if kind != "ConditionCheck" else "dynamodb:ConditionCheckItem",
                        body["TableName"],
                    )
                )
        else:
            index = params.get("IndexName")
            calls.add((f"dynamodb:{model.name}", params["TableName"] + (f"/index/{index}" if index else "")))

    client = default_client()
    client.meta.events.register("provide-client-params.dynamodb", record)
    try:
        invoke(event)
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", record)
    return calls


def _granted(function: str, shards: str) -> set[tuple[str, str]]:
    """(action, table logical id or ``<table>/index/<index>``) the function's role allows, as
    the expanded template says."""
    template = expand(StatusIndexShards=shards)
    granted = set()
    for actions, resource in _grants(
        resources(template, "AWS::IAM::Role")[f"{function}Role"], template, shards
    ):
        if "Fn::GetAtt" in resource:
            table = resource["Fn::GetAtt"][0]
        else:  # "${ComplexTable.Arn}/index/<index>"
            arn, index = resource["Fn::Sub"].split("/index/")
            table = f"{arn[2:].split('.')[0]}/index/{index}"
        granted |= {(action, table) for action in actions}
    return granted


@pytest.mark.parametrize("status_index_shards", SHARDS, indirect=True)
@pytest.mark.parametrize("name", event_names())
@pytest.mark.parametrize("idempotency_key", [False, True], ids=["plain", "with-idempotency-key"])
def test_every_call_a_handler_makes_is_granted(
    seeded: None, invoke: Invoke, name: str, idempotency_key: bool, status_index_shards: str
) -> None:
    event = load_event(name, headers={"Idempotency-Key": f"key-{name}"} if idempotency_key else None)
    function = function_for(event)

    made = _calls_made(load_handler(function), invoke, event)

    if EXPECTED_STATUS[name] < 400:
        assert made  # a successful request reached DynamoDB, so this looked at real calls
    granted = _granted(function, status_index_shards)
    assert made <= granted, made - granted
