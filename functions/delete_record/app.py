"""DELETE /records/{id}: remove a record, optionally only at the version in ``If-Match``."""

from http import HTTPStatus
from typing import Any

from dynamo_tables import ComplexTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    empty_response,
    logger,
    write_precondition,
    write_tokens,
)

app = create_app()
records = ComplexTableClass()


@app.delete("/records/<id>")
def delete_record(id: str) -> Response[str]:
    records.delete_record(id, write_precondition(app), write_tokens(app))
    return empty_response(HTTPStatus.NO_CONTENT)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
