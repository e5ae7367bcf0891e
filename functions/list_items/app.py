"""GET /items: one page of items, with an opaque cursor to the next."""

from typing import Any

from dynamo_tables import SimpleTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    json_response,
    logger,
    page_request,
)

app = create_app()
items = SimpleTableClass()


@app.get("/items")
def list_items() -> Response[str]:
    page = items.list_values(*page_request(app))
    return json_response({"items": [item.to_json() for item in page.items], "next_cursor": page.next_cursor})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
