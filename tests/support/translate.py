"""template.yaml expanded by aws-sam-translator into plain CloudFormation, as deploys see it."""

import copy
import os
from functools import cache
from typing import Any

from devstack.template import load_template, parameter_values, resolve_conditions

# What SAM's transform reads itself while it writes the API out, resolving no condition there
# (and, in an event's Auth, no parameter either): which authorizer, scopes and API key a
# method asks for, the usage plan, the preflight methods. In a deploy CloudFormation's
# AWS::LanguageExtensions transform, listed before SAM's, has already resolved every parameter
# and condition of the template to its value: "AWS::LanguageExtensions resolves intrinsic
# functions if the value is known when Transforms are run" (SAM's maintainers, on Fn::If in
# Auth: https://github.com/aws/serverless-application-model/issues/1859,
# https://github.com/aws/serverless-application-model/issues/1724), "the
# transform resolves parameters to literal values during processing"
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html).
# Here only these properties are resolved, so that everywhere else the tests still see how
# the template wires a parameter (an Fn::If SAM passes on, which CloudFormation resolves later).
READ_BY_SAM = {
    "AWS::Serverless::Api": ("Auth", "DefinitionBody", "MergeDefinitions"),
}


class NoManagedPolicies:
    """The template names managed policies by ARN only, so no lookup is needed."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _expanded(parameters: tuple[tuple[str, str], ...], layer_zip: str) -> dict[str, Any]:
    from samtranslator.translator.transform import transform  # the project tier's, not the unit tier's

    template = load_template()
    values = parameter_values(template, dict(parameters))
    _resolve_what_sam_reads(template, values)
    # As `sam package` does: local code folders become S3 locations, named by their content.
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if "CodeUri" in properties:
            properties["CodeUri"] = "s3://packaged-artifacts/code.zip"
        if "ContentUri" in properties:
            properties["ContentUri"] = f"s3://packaged-artifacts/{layer_zip}"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    expanded: dict[str, Any] = transform(copy.deepcopy(template), values, NoManagedPolicies())
    return expanded


def _resolve_what_sam_reads(template: dict[str, Any], values: dict[str, str]) -> None:
    """Each Fn::If in the properties SAM reads itself (:data:`READ_BY_SAM`, and every
    function's API event ``Auth``) resolved as AWS::LanguageExtensions resolves it."""
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for name in READ_BY_SAM.get(resource["Type"], ()):
            if name in properties:
                _set_resolved(properties, name, template, values)
        if resource["Type"] == "AWS::Serverless::Function":
            for event in properties.get("Events", {}).values():
                if event.get("Type") == "Api" and "Auth" in event.get("Properties", {}):
                    _set_resolved(event["Properties"], "Auth", template, values)


def _set_resolved(
    properties: dict[str, Any], name: str, template: dict[str, Any], values: dict[str, str]
) -> None:
    resolved = resolve_conditions(properties[name], template, values)
    if resolved is None:
        del properties[name]
    else:
        properties[name] = resolved


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
