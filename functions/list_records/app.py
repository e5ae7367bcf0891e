"""GET /records: one page of records; with ``?status=``, a Query on the status index."""

from typing import Any

from dynamo_tables import ComplexTableClass
from tables_api import (
    LambdaContext,
    Response,
    correlation_paths,
    create_app,
    json_response,
    logger,
    page_request,
    query_parameter,
)

INCOMPLETE = (
    "the status index is being re-sharded between two shard counts: a record moved while this "
    "listing was read may be missing from it, or listed twice, until the re-shard ends"
)

app = create_app()
records = ComplexTableClass()


@app.get("/records")
def list_records() -> Response[str]:
    status = query_parameter(app, "status")
    limit, cursor = page_request(app)
    if status is None:
        page = records.list_records(limit, cursor)
    else:
        page = records.list_by_status(status, limit, cursor)
    body = {"records": [record.to_json() for record in page.items], "next_cursor": page.next_cursor}
    if not page.complete:
        body["incomplete"] = INCOMPLETE
    return json_response(body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
