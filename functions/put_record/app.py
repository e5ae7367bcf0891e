"""PUT /records/{id}: create or replace a record's status and data, optionally conditional."""

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
    location,
    logger,
    write_precondition,
    write_tokens,
)

app = create_app()
records = ComplexTableClass()


@app.put("/records/<id>")
def put_record(id: str) -> Response[str]:
    body = json_object_body(app, required=("status",), optional=("data",))
    record, created = records.put_record(
        id, body["status"], body.get("data"), write_precondition(app), write_tokens(app)
    )
    headers = {"ETag": etag(record.version)}
    if created:
        headers["Location"] = location(app, "records", id)
        return json_response(record.to_json(), HTTPStatus.CREATED, headers)
    return json_response(record.to_json(), HTTPStatus.OK, headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
