"""template.yaml and samconfig.toml keep the promises the README makes."""

import importlib
import re
import tomllib
from typing import Any

import click
import pytest
from samcli.cli.cli_config_file import ConfigProvider
from samcli.lib.cfn_language_extensions.sam_integration import ENABLE_ENV_VAR

from devstack.template import (
    ROOT,
    api_routes,
    function_code_dir,
    load_template,
    raw_template,
    resources_of_type,
)

TEMPLATE = load_template()
RAW = raw_template()
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
# The commands a user runs on this template, and the SAM CLI module of each.
SAM_COMMANDS = {
    "build": "samcli.commands.build.command",
    "validate": "samcli.commands.validate.validate",
    "package": "samcli.commands.package.command",
    "deploy": "samcli.commands.deploy.command",
    "sync": "samcli.commands.sync.command",
    "local invoke": "samcli.commands.local.invoke.cli",
    "local start-api": "samcli.commands.local.start_api.cli",
    "local start-lambda": "samcli.commands.local.start_lambda.cli",
}
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}


def policy_actions(function: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for policy in function["Properties"].get("Policies", []):
        for statement in policy["Statement"]:
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def test_every_function_runs_python_3_13_on_arm64_with_the_layer() -> None:
    globals_ = TEMPLATE["Globals"]["Function"]

    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Layers"] == [{"Ref": "DynamoTablesLayer"}]
    for function in FUNCTIONS.values():
        assert not {"Runtime", "Architectures", "Layers"} & set(function["Properties"])


def test_one_function_per_route_get_and_head_may_share() -> None:
    routes_by_function: dict[str, set[tuple[str, str]]] = {}
    for route, logical_id in api_routes().items():
        routes_by_function.setdefault(logical_id, set()).add(route)

    for routes in routes_by_function.values():
        assert len({path for _, path in routes}) == 1
        assert len(routes) == 1 or {method for method, _ in routes} == {"GET", "HEAD"}
    assert set(routes_by_function) == set(FUNCTIONS)


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_read_only_functions_cannot_write(logical_id: str) -> None:
    methods = {method for (method, _), function in api_routes().items() if function == logical_id}
    actions = policy_actions(FUNCTIONS[logical_id])

    assert actions
    assert all(action.startswith("dynamodb:") for action in actions)
    if methods <= {"GET", "HEAD"}:
        assert actions <= READ_ACTIONS


@pytest.mark.parametrize("environment", ["default", "dev", "prod"])
def test_samconfig_overrides_name_real_parameters_with_allowed_values(environment: str) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = dict(
        pair.split("=", 1)
        for pair in config[environment]["deploy"]["parameters"]["parameter_overrides"].split()
    )

    for name, value in overrides.items():
        parameter = TEMPLATE["Parameters"][name]
        assert value in parameter.get("AllowedValues", [value])


def test_each_checkov_skip_is_written_once_with_its_reason() -> None:
    # A skip shared by every function or log group lives in .checkov.yaml, once, with the
    # reason beside it; only a resource's own exceptions stay in its Metadata.
    skipped_by: dict[str, list[str]] = {}
    for logical_id, resource in TEMPLATE["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("comment"), f"{logical_id} skips {skip['id']} without a reason"
            skipped_by.setdefault(skip["id"], []).append(logical_id)
    assert {check: ids for check, ids in skipped_by.items() if len(ids) > 1} == {}

    config = (ROOT / ".checkov.yaml").read_text().splitlines()
    listed = [line for line in config if line.strip().startswith("- CKV")]
    assert listed
    unexplained = [line for line in listed if "#" not in line.split("- CKV", 1)[1]]
    assert unexplained == []


def _function_loop() -> tuple[list[str], dict[str, Any]]:
    """The names and the fragment of the one ``Fn::ForEach`` that declares the functions."""
    loops = [
        loop
        for key, loop in RAW["Resources"].items()
        if key.startswith("Fn::ForEach::")
        and any(body.get("Type") == "AWS::Serverless::Function" for body in loop[2].values())
    ]
    assert len(loops) == 1, "one Fn::ForEach declares every function"
    _, names, fragment = loops[0]
    return names, fragment


def test_a_function_its_log_group_and_its_errors_alarm_are_declared_once_for_every_route() -> None:
    written_out = {
        name: body for name, body in RAW["Resources"].items() if not name.startswith("Fn::ForEach::")
    }
    names, fragment = _function_loop()

    assert resources_of_type({"Resources": written_out}, "AWS::Serverless::Function") == {}
    assert sorted(body["Type"] for body in fragment.values()) == [
        "AWS::CloudWatch::Alarm",
        "AWS::Logs::LogGroup",
        "AWS::Serverless::Function",
    ]
    assert {f"{name}Function" for name in names} == set(FUNCTIONS)


def test_the_loop_and_the_routes_mapping_name_the_same_routes_once() -> None:
    names, _ = _function_loop()

    assert len(set(names)) == len(names)
    assert set(names) == set(RAW["Mappings"]["Routes"])


def test_each_route_has_a_function_of_its_own_and_head_runs_the_code_of_get() -> None:
    routes = api_routes()

    assert len(set(routes.values())) == len(routes)
    for (method, path), function in routes.items():
        if method == "HEAD":
            assert function_code_dir(function) == function_code_dir(routes[("GET", path)]), function


@pytest.mark.parametrize("environment", [name for name in SAMCONFIG if name != "version"])
@pytest.mark.parametrize("command", sorted(SAM_COMMANDS))
def test_every_sam_command_expands_the_loops_in_every_environment(environment: str, command: str) -> None:
    # SAM CLI expands Fn::ForEach only when asked (--language-extensions); samconfig.toml asks
    # for it, read as SAM CLI reads it, so a plain `sam build` or `sam deploy` works.
    cli = importlib.import_module(SAM_COMMANDS[command]).cli
    assert "language_extensions" in {parameter.name for parameter in cli.params}
    with click.Context(cli, info_name=command.split()[-1]):
        config = ConfigProvider(section="parameters")(ROOT / "samconfig.toml", environment, command.split())

    assert config.get("language_extensions") is True


def test_make_runs_sam_with_the_loops_expanded() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^export {ENABLE_ENV_VAR} := 1$", makefile, re.MULTILINE)
