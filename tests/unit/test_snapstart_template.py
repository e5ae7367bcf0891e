"""The SnapStart parameter, expanded as a deploy sees it: off by default, on for every function."""

from typing import Any

import pytest

from devstack.template import load_template, parameter_values, resolve
from tests.support.translate import expand, resources

TEMPLATE = load_template()


def _apply_on(function: dict[str, Any], snap_start: str) -> Any:
    parameters = parameter_values(TEMPLATE, {"SnapStart": snap_start})
    return resolve(function["Properties"].get("SnapStart", {}).get("ApplyOn", "None"), TEMPLATE, parameters)


@pytest.mark.parametrize("snap_start", ["None", "PublishedVersions"])
def test_snapstart_applies_to_every_function_as_the_parameter_says(snap_start: str) -> None:
    expanded = expand(SnapStart=snap_start)
    functions = resources(expanded, "AWS::Lambda::Function")

    assert functions
    assert {name: _apply_on(body, snap_start) for name, body in functions.items()} == dict.fromkeys(
        functions, snap_start
    )


def test_snapstart_is_off_unless_asked_for() -> None:
    assert TEMPLATE["Parameters"]["SnapStart"]["Default"] == "None"


@pytest.mark.parametrize("snap_start", ["None", "PublishedVersions"])
def test_api_gateway_invokes_a_published_alias_of_each_function(snap_start: str) -> None:
    # SnapStart snapshots published versions only: $LATEST would never resume from one.
    expanded = expand(SnapStart=snap_start)
    aliases = resources(expanded, "AWS::Lambda::Alias")
    functions = resources(expanded, "AWS::Lambda::Function")
    permissions = resources(expanded, "AWS::Lambda::Permission")

    assert {body["Properties"]["FunctionName"]["Ref"] for body in aliases.values()} == set(functions)
    assert {body["Properties"]["Name"] for body in aliases.values()} == {"live"}
    invoked = {str(body["Properties"]["FunctionName"]) for body in permissions.values()}
    assert all("Alias" in name for name in invoked), invoked
