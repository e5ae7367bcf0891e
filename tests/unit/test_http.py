"""The shared HTTP plumbing's own guarantees."""

import json
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tables_api import create_app, json_response, problem
from tables_api.parsing import MAX_KEY_BYTES
from tests.support.lambda_context import FakeLambdaContext


def _resolve(app: Any, path: str, path_parameters: dict[str, str] | None) -> dict[str, Any]:
    event = {"httpMethod": "GET", "path": path, "headers": {}, "pathParameters": path_parameters}
    response: dict[str, Any] = app.resolve(event, cast(LambdaContext, FakeLambdaContext()))
    return response


@pytest.mark.parametrize(
    ("path", "path_parameters", "argument"),
    [
        # API Gateway: the path as the client encoded it, the parameter decoded once
        ("/things/a%252Fb", {"name": "a%2Fb"}, "a%2Fb"),
        (
            "/things/http%3A%2F%2Fexample.com%2Fvideo",
            {"name": "http://example.com/video"},
            "http://example.com/video",
        ),
        ("/things/%41", {"name": "A"}, "A"),
        # SAM CLI's emulation: the path decoded too
        (
            "/things/http://example.com/video",
            {"name": "http://example.com/video"},
            "http://example.com/video",
        ),
        ("/things//leading/", {"name": "/leading/"}, "/leading/"),
        ('/things/a?b#c"d', {"name": 'a?b#c"d'}, 'a?b#c"d'),
    ],
)
def test_a_route_argument_is_its_path_parameter_as_api_gateway_decoded_it(
    path: str, path_parameters: dict[str, str], argument: str
) -> None:
    app = create_app()

    @app.get("/things/<name>")
    def thing(name: str) -> object:
        return json_response({"name": name})

    response = _resolve(app, path, path_parameters)

    assert (response["statusCode"], json.loads(response["body"])) == (200, {"name": argument})


@pytest.mark.parametrize(
    ("name", "limit"),
    [("tab\there", "control"), ("new\nline", "control"), ("x" * (MAX_KEY_BYTES + 1), "bytes")],
)
def test_route_arguments_outside_the_api_limits_are_422_naming_them(name: str, limit: str) -> None:
    app = create_app()

    @app.get("/things/<key>")
    def thing(key: str) -> object:
        raise AssertionError("the route must not run")

    response = _resolve(app, f"/things/{name}", {"key": name})

    assert response["statusCode"] == 422
    assert json.loads(response["body"])["detail"].startswith("key:")
    assert limit in json.loads(response["body"])["detail"]


def test_problems_follow_rfc_9457() -> None:
    response = problem(422, "value: must be a string")

    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json.loads(str(response.body)) == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "value: must be a string",
    }


def test_a_route_whose_path_parameter_is_missing_is_a_400_naming_it() -> None:
    # API Gateway always sends a greedy route's parameter; an event without it is malformed.
    app = create_app()

    @app.get("/things/<key>")
    def thing(key: str) -> object:
        raise AssertionError("the route must not run")

    response = _resolve(app, "/things/x", None)

    assert response["statusCode"] == 400
    assert "'key' is missing" in json.loads(response["body"])["detail"]


def test_a_method_no_route_serves_is_a_404_whatever_its_path_parameters() -> None:
    # Key rules belong to the routes: an unrouted request is not checked against them.
    app = create_app()

    @app.get("/things/<key>")
    def thing(key: str) -> object:
        raise AssertionError("the route must not run")

    event = {"httpMethod": "POST", "path": "/things/a\nb", "headers": {}, "pathParameters": {"key": "a\nb"}}
    response = app.resolve(event, cast(LambdaContext, FakeLambdaContext()))

    assert response["statusCode"] == 404
