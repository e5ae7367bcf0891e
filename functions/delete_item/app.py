"""DELETE /items/{key}: remove one item; 404 when there is none."""

from http import HTTPStatus
from typing import Any

from dynamo_tables import SimpleTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    empty_response,
    logger,
    write_tokens,
)

app = create_app()
items = SimpleTableClass()


@app.delete("/items/<key>")
def delete_item(key: str) -> Response[str]:
    items.delete_value(key, write_tokens(app))
    return empty_response(HTTPStatus.NO_CONTENT)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
