"""openapi.yaml as data: its operations, and a validator for response bodies."""

import re
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator

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


def openapi_path(resource: str) -> str:
    """A template route as openapi.yaml writes it: API Gateway's greedy ``{key+}`` is OpenAPI's
    ``{key}`` (OpenAPI has no greedy form; the parameter's description says "/" is allowed)."""
    return re.sub(r"\{(\w+)\+\}", r"{\1}", resource)


def operation(method: str, resource: str) -> dict[str, Any]:
    """The operation object of a template route (an event's ``httpMethod`` and ``resource``)."""
    return operations()[(method, openapi_path(resource))]


def resolve(node: Any) -> Any:
    """Follow ``$ref`` chains inside this document."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = load_openapi()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_validator(method: str, path: str, status: int, content_type: str) -> Draft202012Validator | None:
    """A validator for the declared body, or None when the status declares no body.

    The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12; their ``$ref``s
    resolve against the spec's own components (they recurse, so they are not inlined).
    """
    responses = operation(method, path)["responses"]
    response = resolve(responses[str(status)])
    media = response.get("content", {}).get(content_type)
    if media is None:
        return None
    return Draft202012Validator({**media["schema"], "components": load_openapi()["components"]})
