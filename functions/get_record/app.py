"""GET and HEAD /records/{id}: one record with its ETag (HEAD: no body); ``?status=`` finds it
only with that status."""

from http import HTTPStatus
from typing import Any

from dynamo_tables import ComplexTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    empty_response,
    etag,
    json_response,
    logger,
    matches_none_match,
    query_parameter,
)

app = create_app()
records = ComplexTableClass()


@app.route("/records/<id>", method=["GET", "HEAD"])
def get_record(id: str) -> Response[str]:
    record = records.get_record(id, query_parameter(app, "status"))
    headers = {"ETag": etag(record.version)}
    if matches_none_match(app, record.version):
        return empty_response(HTTPStatus.NOT_MODIFIED, headers)
    return json_response(record.to_json(), HTTPStatus.OK, headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
