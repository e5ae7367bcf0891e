"""openapi.yaml as data: its operations, and a validator for response bodies."""

from functools import cache
from typing import Any

import yaml
from jsonschema import Draft7Validator

from devstack.template import ROOT

OPENAPI_PATH = ROOT / "openapi.yaml"
METHODS = ("get", "put", "patch", "delete", "head", "post")


@cache
def load_openapi() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text())
    return spec


def operations() -> dict[tuple[str, str], dict[str, Any]]:
    """``(METHOD, path)`` to its operation object."""
    return {
        (method.upper(), path): operation
        for path, item in load_openapi()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(node: Any) -> Any:
    """Follow ``$ref`` chains inside this document."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = load_openapi()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema to JSON Schema: refs inlined, ``nullable`` as a null type."""
    node = resolve(node)
    if isinstance(node, list):
        return [to_json_schema(member) for member in node]
    if not isinstance(node, dict):
        return node
    schema = {
        key: to_json_schema(value) for key, value in node.items() if key not in ("nullable", "description")
    }
    if node.get("nullable"):
        schema["type"] = [schema["type"], "null"]
    return schema


def response_validator(method: str, path: str, status: int, content_type: str) -> Draft7Validator | None:
    """A validator for the declared body, or None when the status declares no body."""
    responses = operations()[(method, path)]["responses"]
    response = resolve(responses[str(status)])
    media = response.get("content", {}).get(content_type)
    if media is None:
        return None
    return Draft7Validator(to_json_schema(media["schema"]))
