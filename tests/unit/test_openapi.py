"""openapi.yaml describes exactly the contract of docs/API.md and what runs."""

import json
import re
from decimal import Decimal

import pytest

from devstack.template import ROOT, api_routes, load_template, parameter_values, raw_template
from dynamo_tables.limits import (
    MAX_MEMBER_NAME_LENGTH,
    MAX_NUMBER_MAGNITUDE,
    MAX_PAGE_SIZE,
    MIN_NUMBER_MAGNITUDE,
    MIN_PAGE_SIZE,
)
from tables_api.parsing import MAX_KEY_BYTES
from tests.support.events import event_names, load_event
from tests.support.openapi import (
    load_openapi,
    openapi_path,
    operation,
    operations,
    resolve,
    response_validator,
)
from tests.support.responses import body_of, header
from tests.unit.conftest import Invoke

API_MD = ROOT / "docs" / "API.md"
ROW = re.compile(r"^\| `(?P<method>[A-Z]+) (?P<path>/[^`?]*)[^`]*` \|(?P<rest>.*)$")


def contract_statuses() -> dict[tuple[str, str], set[int]]:
    """Every status code the tables of docs/API.md give each route (success and failures)."""
    statuses = {}
    for line in API_MD.read_text().splitlines():
        if match := ROW.match(line):
            statuses[(match["method"], match["path"])] = {
                int(code) for code in re.findall(r"\b[1-5]\d\d\b", match["rest"])
            }
    return statuses


def test_openapi_names_the_same_routes_as_the_template() -> None:
    assert set(operations()) == {(method, openapi_path(path)) for method, path in api_routes()}


def test_openapi_names_every_route_of_the_contract() -> None:
    assert set(contract_statuses()) == set(operations())


@pytest.mark.parametrize("route", sorted(contract_statuses()))
def test_every_status_of_the_contract_is_declared(route: tuple[str, str]) -> None:
    declared = {int(code) for code in operations()[route]["responses"]}
    assert contract_statuses()[route] <= declared
    assert {500, 503} <= declared  # rules that hold everywhere


def test_limits_and_statuses_match_the_code_and_the_template() -> None:
    limit = resolve(load_openapi()["components"]["parameters"]["Limit"])["schema"]
    statuses = load_openapi()["components"]["schemas"]["Status"]["enum"]

    schemas = load_openapi()["components"]["schemas"]

    assert (limit["minimum"], limit["maximum"]) == (MIN_PAGE_SIZE, MAX_PAGE_SIZE)
    assert ",".join(statuses) == parameter_values(load_template())["RecordStatuses"]
    assert schemas["Key"]["maxLength"] == MAX_KEY_BYTES
    assert schemas["Data"]["propertyNames"]["maxLength"] == MAX_MEMBER_NAME_LENGTH
    number = schemas["DataNumber"]
    assert Decimal(repr(number["maximum"])) == -Decimal(repr(number["minimum"])) == MAX_NUMBER_MAGNITUDE
    assert Decimal(repr(number["not"]["anyOf"][0]["exclusiveMaximum"])) == MIN_NUMBER_MAGNITUDE


@pytest.mark.parametrize("name", event_names())
def test_every_response_is_declared_with_its_schema(seeded: None, invoke: Invoke, name: str) -> None:
    event = load_event(name)
    response = invoke(event)
    status = response["statusCode"]
    content_type = header(response, "Content-Type") or ""

    assert str(status) in operation(event["httpMethod"], event["resource"])["responses"]
    validator = response_validator(event["httpMethod"], event["resource"], status, content_type)
    if validator is None:
        assert response["body"] == ""
    else:
        assert not list(validator.iter_errors(body_of(response)))


def _scope(method: str, path: str) -> str:
    """The Scope of the route's row in template.yaml's Mappings.Routes."""
    function = api_routes()[(method, path)]
    return str(raw_template()["Mappings"]["Routes"][function.removesuffix("Function")]["Scope"])


def test_the_three_ways_to_call_and_the_api_key_are_described() -> None:
    schemes = load_openapi()["components"]["securitySchemes"]
    cognito_flows = schemes["cognito"]["flows"]

    assert (schemes["sigv4"]["type"], schemes["sigv4"]["in"], schemes["sigv4"]["name"]) == (
        "apiKey",
        "header",
        "Authorization",
    )
    assert schemes["cognito"]["type"] == "oauth2"
    assert set(cognito_flows) == {"authorizationCode", "clientCredentials"}
    for flow in cognito_flows.values():
        assert set(flow["scopes"]) == {row["Scope"] for row in raw_template()["Mappings"]["Routes"].values()}
    assert (schemes["bearerToken"]["type"], schemes["bearerToken"]["scheme"]) == ("http", "bearer")
    assert (schemes["apiKey"]["type"], schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == (
        "apiKey",
        "header",
        "x-api-key",
    )


@pytest.mark.parametrize("route", sorted(api_routes()), ids=" ".join)
def test_each_operation_asks_for_its_route_scope_in_every_way_a_stack_may_be_called(
    route: tuple[str, str],
) -> None:
    method, path = route
    security = operation(method, path)["security"]
    scope = _scope(method, path)
    ways: list[dict[str, list[str]]] = [{}, {"sigv4": []}, {"cognito": [scope]}, {"bearerToken": [scope]}]

    # ApiAuth picks one way (NONE: none, as make start), and ApiKeys=true adds the key to it.
    assert sorted(json.dumps(way, sort_keys=True) for way in security) == sorted(
        json.dumps(way, sort_keys=True) for way in ways + [{**way, "apiKey": []} for way in ways]
    )


@pytest.mark.parametrize("route", sorted(api_routes()), ids=" ".join)
def test_each_operation_declares_what_api_gateway_refuses_with(route: tuple[str, str]) -> None:
    # A deployed stack's own answers before any function runs (docs/API.md, "Who may call").
    assert {"401", "403", "429"} <= set(operation(*route)["responses"])
