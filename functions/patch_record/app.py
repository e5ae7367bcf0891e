"""PATCH /records/{id}: set an existing record's status and stamp the time (seed ``update``)."""

from http import HTTPStatus
from typing import Any

from dynamo_tables import ComplexTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    etag,
    json_object_body,
    json_response,
    logger,
    write_precondition,
    write_tokens,
)

app = create_app()
records = ComplexTableClass()


@app.patch("/records/<id>")
def patch_record(id: str) -> Response[str]:
    body = json_object_body(app, required=("status",))
    record = records.set_status(id, body["status"], write_precondition(app), write_tokens(app))
    return json_response(record.to_json(), HTTPStatus.OK, {"ETag": etag(record.version)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
