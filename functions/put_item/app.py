"""PUT /items/{key}: create or replace one key-value item (seed ``set_value``)."""

from http import HTTPStatus
from typing import Any

from dynamo_tables import SimpleTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    json_object_body,
    json_response,
    location,
    logger,
    write_tokens,
)

app = create_app()
items = SimpleTableClass()


@app.put("/items/<key>")
def put_item(key: str) -> Response[str]:
    body = json_object_body(app, required=("value",))
    item, created = items.put_value(key, body["value"], write_tokens(app))
    if created:
        return json_response(item.to_json(), HTTPStatus.CREATED, {"Location": location(app, "items", key)})
    return json_response(item.to_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
