"""The deployed stack exposes nothing it should not: checked on the template as
aws-sam-translator expands it, which is what CloudFormation receives."""

import copy
import json
import tomllib
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto import mock_aws

from devstack.template import (
    ROOT,
    api_routes,
    condition_holds,
    load_template,
    resources_of_type,
    table_definitions,
)
from dynamo_tables import ComplexTableClass, SimpleTableClass, default_client
from tests.support.events import event_names, function_for, load_event, seed_tables
from tests.support.handlers import all_function_ids, load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.translate import expand, resources, selected

# StatusIndexShards: off (the seed's index) and on (the write-sharded index instead).
SHARDS = ["0", "8"]
IDEMPOTENCY_TABLE = "IdempotencyTable"
# Powertools' idempotency store reads its record with GetItem only when a failed conditional
# PutItem comes back without the item (``exc.old_data_record or self._get_idempotency_record()``
# in aws_lambda_powertools/utilities/idempotency/base.py). DynamoDB and moto always send the
# item back, so no run here reaches that call; a function that uses the store may still make it.
STORE_FALLBACK = ("dynamodb:GetItem", IDEMPOTENCY_TABLE)
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
XRAY_WRITE = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"


def _grants(role: dict[str, Any], template: dict[str, Any], shards: str) -> list[tuple[set[str], Any]]:
    """The role's (actions, resource) pairs, each ``Fn::Select`` (of a known place) and
    ``Fn::If`` resolved as CloudFormation would."""
    grants = []
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            resource = selected(statement["Resource"])
            while "Fn::If" in resource:  # nested: a re-shard under way, then the count
                name, if_true, if_false = resource["Fn::If"]
                holds = condition_holds(name, template, {"StatusIndexShards": shards})
                resource = if_true if holds else if_false
            grants.append(({actions} if isinstance(actions, str) else set(actions), resource))
    return grants


def _managed(role: dict[str, Any]) -> set[str]:
    return {
        arn["Fn::Sub"] if isinstance(arn, dict) else arn for arn in role["Properties"]["ManagedPolicyArns"]
    }


def test_every_function_is_exercised_by_its_events() -> None:
    # A function without a sample event would have no observed needs to hold its grants to.
    assert set(_observed_calls("0")) == set(all_function_ids())


@pytest.mark.parametrize("shards", SHARDS)
@pytest.mark.parametrize("function", all_function_ids())
def test_each_function_may_do_exactly_what_its_route_was_seen_to_do(function: str, shards: str) -> None:
    template = expand(StatusIndexShards=shards)
    role = resources(template, "AWS::IAM::Role")[f"{function}Role"]

    assert _granted(function, shards) == _needed(function, shards)
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
# signature, token, API key, throttling, size, timeout): each must be an RFC 9457 problem
# like the API's own. None: a DEFAULT_* keeps the status of each answer it stands for.
GATEWAY_ANSWERS = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "EXPIRED_TOKEN": 403,
    "ACCESS_DENIED": 403,
    "UNAUTHORIZED": 401,
    "INVALID_API_KEY": 403,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "INTEGRATION_TIMEOUT": 504,
    "INTEGRATION_FAILURE": 504,
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
}
# What API Gateway puts for $context.error.messageString (its message, quoted).
MESSAGE_STRING = '"Missing Authentication Token"'


def _status(answer: dict[str, Any], key: str) -> int | None:
    return int(answer[key]) if key in answer else None


def test_api_gateway_own_answers_are_problems() -> None:
    declared = load_template()["Resources"]["Api"]["Properties"]["GatewayResponses"]

    assert {kind: _status(answer, "StatusCode") for kind, answer in declared.items()} == GATEWAY_ANSWERS
    for kind, answer in declared.items():
        assert answer["ResponseParameters"]["Headers"]["Content-Type"] == "'application/problem+json'", kind
        text = answer["ResponseTemplates"]["application/json"]
        problem = json.loads(text.replace("$context.error.messageString", MESSAGE_STRING))
        if GATEWAY_ANSWERS[kind] is None:  # its status is the answer's own; RFC 9457 makes it optional
            assert set(problem) == {"type", "title", "detail"}, kind
        else:
            assert "$context" not in text, kind  # fixed, as make start serves it
            assert set(problem) == {"type", "title", "status", "detail"}, kind
            assert problem["status"] == GATEWAY_ANSWERS[kind], kind


def test_the_gateway_answers_reach_cloudformation() -> None:
    (api,) = resources(expand(), "AWS::ApiGateway::RestApi").values()
    answers = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]

    assert {kind: _status(answer, "statusCode") for kind, answer in answers.items()} == GATEWAY_ANSWERS
    assert {
        answer["responseParameters"]["gatewayresponse.header.Content-Type"] for answer in answers.values()
    } == {"'application/problem+json'"}


def _needed(function: str, shards: str) -> set[tuple[str, str]]:
    """What the function was seen to call, and the idempotency store's fallback read if it
    used the store at all."""
    needed = set(_observed_calls(shards)[function])
    if any(table == IDEMPOTENCY_TABLE for _, table in needed):
        needed.add(STORE_FALLBACK)
    return needed


_observed: dict[str, dict[str, set[tuple[str, str]]]] = {}


def _observed_calls(shards: str) -> dict[str, set[tuple[str, str]]]:
    """(IAM action, table or ``<table>/index/<index>``) of every DynamoDB call each function
    made, over every sample event from the seeded state: as it is; with an Idempotency-Key;
    with that key again (a replay); and with a key while DynamoDB throttles every other
    table (a 503, after which Powertools deletes its record). Once per ``StatusIndexShards``."""
    if shards not in _observed:
        calls: dict[str, set[tuple[str, str]]] = {}
        with pytest.MonkeyPatch.context() as patch, mock_aws():
            patch.setenv("STATUS_INDEX_SHARDS", shards)  # read at a handler's cold start
            client = boto3.client("dynamodb")
            for logical_id, definition in table_definitions(parameters={"StatusIndexShards": shards}).items():
                client.create_table(TableName=logical_id, **definition)
            items, records = SimpleTableClass(client=client), ComplexTableClass(client=client)
            for name in event_names():
                for headers, times, throttled in (
                    (None, 1, False),
                    ({"Idempotency-Key": f"replayed-{name}"}, 2, False),
                    ({"Idempotency-Key": f"throttled-{name}"}, 1, True),
                ):
                    seed_tables(items, records)
                    event = load_event(name, headers=headers)
                    function = function_for(event)
                    made = _calls_made(load_handler(function), event, times, throttled)
                    calls.setdefault(function, set()).update(made)
        _observed[shards] = calls
    return _observed[shards]


def _calls_made(handler: Any, event: dict[str, Any], times: int, throttled: bool) -> set[tuple[str, str]]:
    """(IAM action, table) of every DynamoDB call the handler makes for ``event``, sent
    ``times``; ``throttled``: every table but the idempotency store's refuses every call."""
    calls: set[tuple[str, str]] = set()
    current: set[tuple[str, str]] = set()  # the call being made, for ``throttle``

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        current.clear()
        current.update(_actions(model.name, params))
        calls.update(current)

    def throttle(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        """DynamoDB's answer when it throttles: before the request is sent, botocore takes
        a ``before-call`` handler's answer as the response."""
        if {table for _, table in current} == {IDEMPOTENCY_TABLE}:
            return None
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}
        answer = AWSResponse("https://dynamodb.invalid/", 400, HTTPHeaders(), None)
        return answer, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    client: Any = default_client()  # every handler's one client; Any: botocore's stubs type hooks as -> None
    client.meta.events.register("provide-client-params.dynamodb", record)
    if throttled:
        client.meta.events.register_first("before-call.dynamodb", throttle)
    try:
        for _ in range(times):
            handler.lambda_handler(copy.deepcopy(event), FakeLambdaContext())
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", record)
        client.meta.events.unregister("before-call.dynamodb", throttle)
    return calls


def _actions(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """The (IAM action, table) pairs IAM checks for one call: each action inside a transaction."""
    if operation == "TransactWriteItems":
        return {
            (
                "dynamodb:ConditionCheckItem" if kind == "ConditionCheck" else f"dynamodb:{kind}Item",
                body["TableName"],
            )
            for action in params["TransactItems"]
            for kind, body in action.items()
        }
    index = params.get("IndexName")
    return {(f"dynamodb:{operation}", params["TableName"] + (f"/index/{index}" if index else ""))}


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
