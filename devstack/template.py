"""template.yaml as the single source of truth for the tables.

Tests, the local stack and the schema check all build their tables from here, so none
of them can drift from what ``sam deploy`` creates.
"""

from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

# The CloudFormation table properties that CreateTable takes under the same names.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
)
_NO_VALUE = object()


class UnsupportedIntrinsic(ValueError):
    """The template uses an intrinsic this small resolver does not know: extend it."""


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(path.read_text())
    return template


def parameter_values(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Each parameter's default, replaced by any override."""
    values = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    values.update(overrides or {})
    return values


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def api_routes(template: dict[str, Any] | None = None) -> dict[tuple[str, str], str]:
    """``(METHOD, path)`` of every ``Api`` event, mapped to its function's logical id."""
    template = template or load_template()
    routes = {}
    for logical_id, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                routes[(event["Properties"]["Method"].upper(), event["Properties"]["Path"])] = logical_id
    return routes


def gateway_answer(kind: str, template: dict[str, Any] | None = None) -> tuple[int, dict[str, str], str]:
    """One of API Gateway's own answers as the template's ``GatewayResponses`` declare it:
    status, headers and body, for the local API to give the same."""
    template = template or load_template()
    (api,) = resources_of_type(template, "AWS::Serverless::Api").values()
    answer = api["Properties"]["GatewayResponses"][kind]
    headers = answer.get("ResponseParameters", {}).get("Headers", {})
    # Static header values are quoted in the template: "'application/problem+json'".
    return (
        int(answer["StatusCode"]),
        {name: value.strip("'") for name, value in headers.items()},
        answer["ResponseTemplates"]["application/json"],
    )


def function_code_dir(logical_id: str, template: dict[str, Any] | None = None) -> Path:
    """The source folder of a function (its ``CodeUri``)."""
    template = template or load_template()
    return ROOT / str(template["Resources"][logical_id]["Properties"]["CodeUri"])


def table_definitions(
    template: dict[str, Any] | None = None, parameters: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """CreateTable arguments (all but ``TableName``) for each table, by logical id."""
    template = template or load_template()
    values = parameter_values(template, parameters)
    definitions = {}
    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        properties = resolve(resource["Properties"], template, values)
        definitions[logical_id] = {
            name: properties[name] for name in _CREATE_TABLE_PROPERTIES if name in properties
        }
    return definitions


def resolve(value: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """Resolve ``Ref`` to parameters, ``Fn::If``/``Fn::Equals`` conditions and ``AWS::NoValue``."""
    if isinstance(value, list):
        resolved = [resolve(member, template, parameters) for member in value]
        return [member for member in resolved if member is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            if argument == "AWS::NoValue":
                return _NO_VALUE
            if argument in parameters:
                return parameters[argument]
            raise UnsupportedIntrinsic(f"Ref to {argument!r}: only parameters resolve locally")
        if name == "Fn::If":
            condition, if_true, if_false = argument
            chosen = if_true if _condition(condition, template, parameters) else if_false
            return resolve(chosen, template, parameters)
        if name.startswith("Fn::") or name == "Condition":
            raise UnsupportedIntrinsic(f"{name} is not supported by devstack.template.resolve")
    resolved_map = {key: resolve(member, template, parameters) for key, member in value.items()}
    return {key: member for key, member in resolved_map.items() if member is not _NO_VALUE}


def condition_holds(name: str, template: dict[str, Any], overrides: dict[str, str] | None = None) -> bool:
    """Whether the template's condition ``name`` holds with these parameters (else defaults)."""
    return _condition(name, template, parameter_values(template, overrides))


def _condition(name: str, template: dict[str, Any], parameters: dict[str, str]) -> bool:
    return _evaluate(template["Conditions"][name], template, parameters)


def _evaluate(expression: dict[str, Any], template: dict[str, Any], parameters: dict[str, str]) -> bool:
    """A condition: ``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or`` or ``Condition``."""
    ((function, argument),) = expression.items()
    if function == "Fn::Equals":
        left, right = (resolve(side, template, parameters) for side in argument)
        return bool(left == right)
    if function == "Condition":
        return _condition(argument, template, parameters)
    if function == "Fn::Not":
        return not _evaluate(argument[0], template, parameters)
    if function == "Fn::And":
        return all(_evaluate(member, template, parameters) for member in argument)
    if function == "Fn::Or":
        return any(_evaluate(member, template, parameters) for member in argument)
    raise UnsupportedIntrinsic(f"{function} is not supported in conditions")
