"""template.yaml as the single source of truth for the tables, the functions and their routes.

Tests, the local stack and the schema check all build their tables from here, so none
of them can drift from what ``sam deploy`` creates. The functions are declared in a
``Fn::ForEach``: every reader gets them written out (:func:`load_template`).
"""

import copy
import functools
import re
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


LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
_FOR_EACH = "Fn::ForEach::"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template with each ``Fn::ForEach`` written out (:func:`expand_loops`), so every
    caller sees the resources a deploy creates, under their logical ids."""
    return expand_loops(raw_template(path))


def raw_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as written, loops and all: a copy of its own for each caller."""
    stat = path.stat()
    return copy.deepcopy(_parsed(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    """Parsed once per version of the file: parsing it takes some 80 ms, and the tests and
    devstack read it hundreds of times (a saved template is a new version)."""
    template: dict[str, Any] = yaml_parse(path.read_text())
    return template


def expand_loops(template: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation's ``AWS::LanguageExtensions`` transform hands on to SAM's: each
    ``Fn::ForEach::<loop>`` under ``Resources`` written out once per item of its collection
    (``${Identifier}`` and ``&{Identifier}`` replaced in keys and strings, ``Ref`` to the
    identifier replaced by the item), a ``Fn::Sub`` left with no variable the plain string
    it is, and each ``Fn::FindInMap`` whose keys are known looked up (``DefaultValue``
    included; a mapping left unread is dropped). Everything else stays for CloudFormation
    to resolve, parameters and conditions included, so callers resolve them with the
    parameters they choose.

    SAM CLI's own expansion (``expand_language_extensions``) is not used here: it resolves
    every parameter to its default and every ``Fn::If`` with it, and turns a ``Fn::Sub`` it
    cannot resolve into a plain string holding ``${...}``.
    """
    transforms = template.get("Transform", [])
    transforms = [transforms] if isinstance(transforms, str) else list(transforms)
    if LANGUAGE_EXTENSIONS not in transforms:
        return template
    expanded = copy.deepcopy(template)
    resources: dict[str, Any] = {}
    for key, value in template["Resources"].items():
        generated = _for_each(key, value) if key.startswith(_FOR_EACH) else {key: copy.deepcopy(value)}
        clashing = sorted(set(generated) & set(resources))
        if clashing:
            raise ValueError(f"{key}: logical ids declared twice: {clashing}")
        resources.update(generated)
    mappings = template.get("Mappings", {})
    expanded["Resources"] = {key: _find_in_maps(value, mappings) for key, value in resources.items()}
    rest_of_it = repr([expanded.get(section) for section in ("Conditions", "Resources", "Outputs")])
    if "Fn::ForEach" in rest_of_it:
        raise UnsupportedIntrinsic("Fn::ForEach is expanded only right under Resources, as SAM CLI does")
    # A mapping that only the loops read is used up (cfn-lint would warn of an unused one).
    expanded["Mappings"] = {name: rows for name, rows in mappings.items() if repr(name) in rest_of_it}
    if not expanded["Mappings"]:
        del expanded["Mappings"]
    rest = [name for name in transforms if name != LANGUAGE_EXTENSIONS]
    expanded["Transform"] = rest[0] if len(rest) == 1 else rest
    return expanded


def _for_each(key: str, loop: Any) -> dict[str, Any]:
    identifier, collection, fragment = loop
    if not isinstance(collection, list) or not all(isinstance(item, str) for item in collection):
        raise UnsupportedIntrinsic(f"{key}: only a literal list of strings is expanded locally")
    generated = {}
    for item in collection:
        for output_key, value in fragment.items():
            if output_key.startswith(_FOR_EACH):
                raise UnsupportedIntrinsic(f"{key}: a nested Fn::ForEach is not expanded locally")
            generated[_replaced(output_key, identifier, item)] = _substituted(value, identifier, item)
    return generated


def _replaced(text: str, identifier: str, item: str) -> str:
    return text.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", item)


def _substituted(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        return _replaced(value, identifier, item)
    if isinstance(value, list):
        return [_substituted(member, identifier, item) for member in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": identifier}:
        return item
    replaced = {key: _substituted(member, identifier, item) for key, member in value.items()}
    text = replaced.get("Fn::Sub") if list(replaced) == ["Fn::Sub"] else None
    if isinstance(text, str) and not re.search(r"\$\{[^!]", text):  # no variable left ("${!" is a literal)
        return text.replace("${!", "${")
    return replaced


def _find_in_maps(value: Any, mappings: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_find_in_maps(member, mappings) for member in value]
    if not isinstance(value, dict):
        return value
    resolved = {key: _find_in_maps(member, mappings) for key, member in value.items()}
    if list(resolved) != ["Fn::FindInMap"]:
        return resolved
    map_name, top, second, *default = resolved["Fn::FindInMap"]
    if not all(isinstance(key, str) for key in (map_name, top, second)):
        return resolved  # a key CloudFormation knows only at deploy time (a parameter's value)
    found = mappings.get(map_name, {}).get(top, {})
    if second in found:
        return copy.deepcopy(found[second])
    if default:
        return default[0]["DefaultValue"]
    raise ValueError(f"Fn::FindInMap: {map_name} has no {top}.{second}, and no DefaultValue is given")


def parameter_values(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Each parameter's default, replaced by any override."""
    values = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    values.update(overrides or {})
    return values


def parameter_problems(template: dict[str, Any], overrides: dict[str, str]) -> list[str]:
    """What CloudFormation would refuse in these overrides: a name the template does not
    declare, or a value outside its AllowedValues, AllowedPattern or MinValue."""
    declared = template.get("Parameters", {})
    problems = []
    for name, value in overrides.items():
        spec = declared.get(name)
        if spec is None:
            problems.append(f"{name} is not a parameter of template.yaml")
        elif "AllowedValues" in spec and value not in [str(allowed) for allowed in spec["AllowedValues"]]:
            problems.append(f"{name}={value} is not one of {', '.join(map(str, spec['AllowedValues']))}")
        elif "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
            problems.append(f"{name}={value} does not match {spec['AllowedPattern']}")
        elif spec.get("Type") == "Number" and not _at_least(value, spec.get("MinValue")):
            problems.append(f"{name}={value} is not a number of at least {spec.get('MinValue', '-inf')}")
    return problems or rule_problems(template, overrides)


def rule_problems(template: dict[str, Any], overrides: dict[str, str]) -> list[str]:
    """Each assertion of the template's ``Rules`` that fails with these parameters (else
    defaults), by its description, as CloudFormation refuses a stack that breaks one."""
    values = parameter_values(template, overrides)
    problems = []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not _evaluate(rule["RuleCondition"], template, values):
            continue
        for assertion in rule["Assertions"]:
            if not _evaluate(assertion["Assert"], template, values):
                problems.append(" ".join(str(assertion.get("AssertDescription", assertion)).split()))
    return problems


def _at_least(value: str, minimum: Any) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return minimum is None or number >= float(minimum)


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


def adopted_tables(
    template: dict[str, Any] | None = None, parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """The tables the stack uses but does not create, by logical id: each table ``<Id>``
    whose parameter ``Existing<Id>Name`` names an existing table, mapped to that name."""
    template = template or load_template()
    values = parameter_values(template, parameters)
    return {
        logical_id: values[f"Existing{logical_id}Name"]
        for logical_id in resources_of_type(template, "AWS::DynamoDB::Table")
        if values.get(f"Existing{logical_id}Name")
    }


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


def resolve_conditions(value: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    """Only ``Fn::If`` (by its condition, with these parameters) and ``AWS::NoValue``
    resolved, as ``AWS::LanguageExtensions`` resolves them before SAM's transform reads a
    property; any other intrinsic is left as it is. None for a value that is no value."""
    resolved = _conditions(value, template, parameters)
    return None if resolved is _NO_VALUE else resolved


def _conditions(value: Any, template: dict[str, Any], parameters: dict[str, str]) -> Any:
    if isinstance(value, list):
        listed = [_conditions(member, template, parameters) for member in value]
        return [member for member in listed if member is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if list(value) == ["Fn::If"]:
        condition, if_true, if_false = value["Fn::If"]
        chosen = if_true if _condition(condition, template, parameters) else if_false
        return _conditions(chosen, template, parameters)
    mapped = {key: _conditions(member, template, parameters) for key, member in value.items()}
    return {key: member for key, member in mapped.items() if member is not _NO_VALUE}


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
