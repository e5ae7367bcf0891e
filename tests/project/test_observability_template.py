"""Alarms, dashboard, tracing and safe deployments, read from the template as a deploy gets
it (aws-sam-translator's expansion): every function watched, every alarm able to notify and
to roll a deployment back, and nothing listed by hand here."""

import json
import re
import tomllib
from typing import Any

import pytest

from devstack.template import (
    ROOT,
    api_routes,
    load_template,
    parameter_values,
    resolve_conditions,
    resources_of_type,
)
from tables_api.metrics import COUNTERS
from tests.support.translate import expand, resources

TEMPLATE = load_template()
FUNCTIONS = sorted(resources_of_type(TEMPLATE, "AWS::Serverless::Function"))
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def _alarms(expanded: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(expanded, "AWS::CloudWatch::Alarm")


def _watched(alarm: dict[str, Any], namespace: Any, metric_name: str, dimension: str) -> set[str]:
    """The functions an alarm's metric queries read ``metric_name`` of, by ``dimension``."""
    found = set()
    for query in alarm["Properties"].get("Metrics", []):
        metric = query.get("MetricStat", {}).get("Metric", {})
        if metric.get("Namespace") == namespace and metric["MetricName"] == metric_name:
            found |= {d["Value"]["Ref"] for d in metric["Dimensions"] if d["Name"] == dimension}
    return found


def test_every_function_has_an_alarm_on_its_crashes_and_on_the_500s_it_answers() -> None:
    alarms = _alarms(expand())
    watched = {}
    for name, alarm in alarms.items():
        crashes = _watched(alarm, "AWS/Lambda", "Errors", "FunctionName")
        faults = _watched(alarm, {"Ref": "MetricsNamespace"}, "Faults", "function")
        if crashes or faults:
            assert crashes == faults, name  # one alarm, both ways a function fails
            watched[name] = crashes
    assert sorted(function for functions in watched.values() for function in functions) == FUNCTIONS


@pytest.mark.parametrize("topic", ["", TOPIC])
def test_every_alarm_notifies_the_topic_when_one_is_given(topic: str) -> None:
    alarms = _alarms(expand(AlarmTopicArn=topic))
    assert alarms
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        for actions in ("AlarmActions", "OKActions"):
            resolved = _resolve_if(properties.get(actions), topic)
            assert resolved == ([{"Ref": "AlarmTopicArn"}] if topic else None), (name, actions)


def _resolve_if(value: Any, topic: str) -> Any:
    """``Fn::If [HasAlarmTopic, a, b]`` as CloudFormation resolves it for this topic."""
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        assert condition == "HasAlarmTopic"
        chosen = when_true if topic else when_false
        return None if chosen == {"Ref": "AWS::NoValue"} else chosen
    return value


def test_the_api_error_rate_alarm_watches_this_api_and_stage() -> None:
    expanded = expand()
    (api,) = resources(expanded, "AWS::ApiGateway::RestApi").values()
    api_alarms = [
        a["Properties"]
        for a in _alarms(expanded).values()
        if a["Properties"].get("Namespace") == "AWS/ApiGateway"
    ]
    assert [alarm["MetricName"] for alarm in api_alarms] == ["5XXError"]
    dimensions = {d["Name"]: d["Value"] for d in api_alarms[0]["Dimensions"]}
    assert dimensions == {"ApiName": api["Properties"]["Name"], "Stage": {"Ref": "StageName"}}
    assert api_alarms[0]["Statistic"] == "Average"  # 5XXError averaged is the rate


def test_the_throttle_alarm_watches_every_table() -> None:
    expanded = expand()
    template, defaults = load_template(), parameter_values(load_template())
    tables = set(resources(expanded, "AWS::DynamoDB::Table"))
    watched = set()
    for alarm in _alarms(expanded).values():
        for query in alarm["Properties"].get("Metrics", []):
            metric = query.get("MetricStat", {}).get("Metric", {})
            if metric.get("Namespace") == "AWS/DynamoDB":
                assert metric["MetricName"] in ("ReadThrottleEvents", "WriteThrottleEvents")
                # with the defaults, each names a table of the stack's own (test_adopted_tables.py: adopted)
                values = [resolve_conditions(d["Value"], template, defaults) for d in metric["Dimensions"]]
                watched |= {(value["Ref"], metric["MetricName"]) for value in values}
    assert watched == {
        (table, kind) for table in tables for kind in ("ReadThrottleEvents", "WriteThrottleEvents")
    }


@pytest.mark.parametrize("strategy", ["AllAtOnce", "Canary10Percent5Minutes"])
def test_every_function_deploys_through_codedeploy_and_rolls_back_on_its_own_and_the_shared_alarms(
    strategy: str,
) -> None:
    expanded = expand(DeploymentStrategy=strategy)
    groups = resources(expanded, "AWS::CodeDeploy::DeploymentGroup")
    alarms = _alarms(expanded)
    shared = {alarm["Ref"] for alarm in TEMPLATE["Globals"]["Function"]["DeploymentPreference"]["Alarms"]}

    assert sorted(groups) == [f"{function}DeploymentGroup" for function in FUNCTIONS]
    for function in FUNCTIONS:
        properties = groups[f"{function}DeploymentGroup"]["Properties"]
        assert properties["DeploymentConfigName"]["Fn::Sub"][1]["ConfigName"] == strategy
        assert properties["AutoRollbackConfiguration"]["Events"] == [
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
            "DEPLOYMENT_STOP_ON_REQUEST",
        ]
        named = {alarm["Name"]["Ref"] for alarm in properties["AlarmConfiguration"]["Alarms"]}
        own = {
            name
            for name, alarm in alarms.items()
            if function in _watched(alarm, "AWS/Lambda", "Errors", "FunctionName")
        }
        assert len(own) == 1, function
        assert named == shared | own, function


def test_prod_shifts_traffic_gradually_and_dev_at_once() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    strategies = {}
    for environment in ("default", "dev", "prod"):
        overrides = config[environment]["deploy"]["parameters"]["parameter_overrides"]
        found = re.search(r"DeploymentStrategy=(\S+)", overrides)
        strategies[environment] = (
            found.group(1) if found else TEMPLATE["Parameters"]["DeploymentStrategy"]["Default"]
        )
    assert strategies["prod"].startswith(("Canary", "Linear"))
    # X-Ray was always on before the Tracing parameter: prod keeps it.
    assert "Tracing=Active" in config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    assert strategies["dev"] == strategies["default"] == "AllAtOnce"


def test_tracing_follows_its_one_parameter_in_functions_api_and_sdk() -> None:
    expanded = expand()
    (stage,) = resources(expanded, "AWS::ApiGateway::Stage").values()
    functions = resources(expanded, "AWS::Lambda::Function").values()

    assert set(TEMPLATE["Parameters"]["Tracing"]["AllowedValues"]) == {"Active", "PassThrough"}
    assert TEMPLATE["Parameters"]["Tracing"]["Default"] == "PassThrough"
    assert TEMPLATE["Conditions"]["TracingOn"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    assert stage["Properties"]["TracingEnabled"] == {"Fn::If": ["TracingOn", True, False]}
    for function in functions:
        properties = function["Properties"]
        assert properties["TracingConfig"] == {"Mode": {"Ref": "Tracing"}}
        # Powertools' Tracer (and the X-Ray SDK) is loaded only when this says "false".
        assert properties["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == {
            "Fn::If": ["TracingOn", "false", "true"]
        }


def _dashboard_body() -> dict[str, Any]:
    (dashboard,) = resources_of_type(TEMPLATE, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    namespace = TEMPLATE["Parameters"]["MetricsNamespace"]["Default"]
    filled = re.sub(
        r"\$\{([A-Za-z:.]+)\}", lambda m: namespace if m.group(1) == "MetricsNamespace" else "X", text
    )
    body: dict[str, Any] = json.loads(filled)
    return body


def test_the_dashboard_is_json_and_shows_every_counter_and_the_deployment_alarms() -> None:
    body = _dashboard_body()
    text = json.dumps(body)
    namespace = TEMPLATE["Parameters"]["MetricsNamespace"]["Default"]
    for counter in COUNTERS:
        assert re.search(rf'{namespace},route,service\}}[^)]*MetricName=\\"{counter}\\"', text), counter
    alarm_widgets = [w for w in body["widgets"] if w["type"] == "alarm"]
    (shown,) = [w["properties"]["alarms"] for w in alarm_widgets]
    text = json.dumps(resources_of_type(TEMPLATE, "AWS::CloudWatch::Dashboard"))
    deployment_alarms = {
        alarm["Ref"] for alarm in TEMPLATE["Globals"]["Function"]["DeploymentPreference"]["Alarms"]
    }
    assert set(re.findall(r"\$\{(\w+)\.Arn\}", text)) == deployment_alarms
    assert len(shown) == len(deployment_alarms)


def test_one_namespace_for_the_metrics_the_functions_write() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}


def test_the_namespace_may_not_be_one_aws_keeps_for_itself() -> None:
    pattern = TEMPLATE["Parameters"]["MetricsNamespace"]["AllowedPattern"]
    assert re.fullmatch(pattern, TEMPLATE["Parameters"]["MetricsNamespace"]["Default"])
    assert not re.fullmatch(pattern, "AWS/Lambda")


def test_api_gateway_writes_no_per_method_metrics_and_nothing_reads_any() -> None:
    # Per-method metrics (MethodSettings' MetricsEnabled) are billed like custom metrics; what
    # reads API Gateway's metrics here reads the stage's, which API Gateway always sends.
    (stage,) = resources(expand(), "AWS::ApiGateway::Stage").values()
    (settings,) = stage["Properties"]["MethodSettings"]
    assert settings.get("MetricsEnabled", False) is False

    read = [
        dimensions
        for alarm in _alarms(expand()).values()
        if alarm["Properties"].get("Namespace") == "AWS/ApiGateway"
        for dimensions in [{d["Name"] for d in alarm["Properties"]["Dimensions"]}]
    ]
    read += [
        {name for name in metric[2::2] if isinstance(name, str)}  # [namespace, metric, name, value, ...]
        for widget in _dashboard_body()["widgets"]
        for metric in widget["properties"].get("metrics", [])
        if metric and metric[0] == "AWS/ApiGateway"
    ]
    assert read
    assert all(dimensions <= {"ApiName", "Stage"} for dimensions in read), read


def test_the_readme_counts_the_custom_metrics_and_their_price() -> None:
    # Each counter per route and for the service, and Faults per function (tables_api/metrics.py).
    routes, functions = len(api_routes()), len(FUNCTIONS)
    metrics = len(COUNTERS) * (routes + 1) + functions
    readme = " ".join((ROOT / "README.md").read_text().split())

    stated = re.search(
        r"(\d+) for this API's (\d+) routes \(`HEAD` counts apart\) and (\d+) functions, at most about "
        r"\$(\d+) a month",
        readme,
    )
    assert stated is not None
    assert stated.groups() == (str(metrics), str(routes), str(functions), str(round(metrics * 0.30)))
