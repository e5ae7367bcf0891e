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


def _versions(expanded: dict[str, Any]) -> set[str]:
    return set(resources(expanded, "AWS::Lambda::Version"))


def test_a_new_layer_publishes_a_new_version_of_every_function() -> None:
    # API Gateway calls the alias; a layer change that published no version would never reach it.
    before, after = _versions(expand(layer_zip="layer-1.zip")), _versions(expand(layer_zip="layer-2.zip"))

    assert len(before) == len(resources(expand(), "AWS::Lambda::Function"))
    assert before.isdisjoint(after)


def test_a_changed_function_property_publishes_a_new_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import translate

    def with_more_memory() -> dict[str, Any]:
        template = load_template()
        template["Globals"]["Function"]["MemorySize"] = 1024
        return template

    before = _versions(expand())
    monkeypatch.setattr(translate, "load_template", with_more_memory)
    translate._expanded.cache_clear()
    try:
        after = _versions(expand())
    finally:
        translate._expanded.cache_clear()

    assert before.isdisjoint(after)
