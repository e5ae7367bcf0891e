"""GET and HEAD /items/{key}: read one item, or only learn whether it exists (seed ``exists``)."""

from typing import Any

from dynamo_tables import SimpleTableClass
from tables_api import LambdaContext, Response, correlation_paths, create_app, json_response, logger

app = create_app()
items = SimpleTableClass()


@app.route("/items/<key>", method=["GET", "HEAD"])
def get_item(key: str) -> Response[str]:
    return json_response(items.get_value(key).to_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
