"""template.yaml expanded by aws-sam-translator into plain CloudFormation, as deploys see it."""

import copy
import os
from functools import cache
from typing import Any

from devstack.template import load_template, parameter_values


class _NoManagedPolicies:
    """The template names managed policies by ARN only, so no lookup is needed."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _expanded(parameters: tuple[tuple[str, str], ...], layer_zip: str) -> dict[str, Any]:
    from samtranslator.translator.transform import transform  # the project tier's, not the unit tier's

    template = load_template()
    values = parameter_values(template, dict(parameters))
    # As `sam package` does: local code folders become S3 locations, named by their content.
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if "CodeUri" in properties:
            properties["CodeUri"] = "s3://packaged-artifacts/code.zip"
        if "ContentUri" in properties:
            properties["ContentUri"] = f"s3://packaged-artifacts/{layer_zip}"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    expanded: dict[str, Any] = transform(copy.deepcopy(template), values, _NoManagedPolicies())
    return expanded


def expand(layer_zip: str = "layer.zip", **parameters: str) -> dict[str, Any]:
    """The template as CloudFormation gets it; ``layer_zip`` stands for the layer's content."""
    return _expanded(tuple(sorted(parameters.items())), layer_zip)


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == resource_type}


def selected(value: Any) -> Any:
    """A ``Fn::Select`` of a known place as CloudFormation resolves it (the functions' grants
    select their resource from one list); any other value as it is."""
    if isinstance(value, dict) and list(value) == ["Fn::Select"]:
        place, listed = value["Fn::Select"]
        if isinstance(place, str | int) and isinstance(listed, list):
            return listed[int(place)]
    return value
