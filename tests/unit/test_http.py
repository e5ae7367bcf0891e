"""The shared HTTP plumbing's own guarantees."""

import json
from typing import cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from dynamo_tables.http import create_app, json_response, problem
from tests.support.lambda_context import FakeLambdaContext


@pytest.mark.parametrize("segment", ['a?b#c"d\\e', "a%2Fb", "spaces and ü", "<>{}|^`"])
def test_a_route_segment_matches_any_text_but_slash(segment: str) -> None:
    # Powertools' own segment pattern refuses ?, #, " and more; the override must hold.
    app = create_app()

    @app.get("/things/<name>")
    def thing(name: str) -> object:
        return json_response({"name": name})

    context = cast(LambdaContext, FakeLambdaContext())
    matched = app.resolve({"httpMethod": "GET", "path": f"/things/{segment}", "headers": {}}, context)
    nested = app.resolve({"httpMethod": "GET", "path": f"/things/{segment}/more", "headers": {}}, context)

    assert (matched["statusCode"], json.loads(matched["body"])) == (200, {"name": segment})
    assert nested["statusCode"] == 404


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
