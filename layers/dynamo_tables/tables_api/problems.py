"""RFC 9457 problem answers (``application/problem+json``), and which error gets which."""

from http import HTTPStatus

from dynamo_tables.errors import InvalidInput, InvalidPage, NotFound, PreconditionFailed
from tables_api.errors import BadRequest, IdempotencyKeyInFlight, IdempotencyKeyReused, PayloadTooLarge
from tables_api.powertools import Response
from tables_api.responses import dumps

PROBLEM_JSON = "application/problem+json"

# RFC 9110's reason phrases, fixed here: Python 3.11 (this host) and 3.13 (Lambda)
# disagree on some of them ("Unprocessable Entity" / "Unprocessable Content").
_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    412: "Precondition Failed",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# The client's mistakes, each with its status: answers worth keeping for an Idempotency-Key.
CLIENT_ERRORS: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (InvalidInput, HTTPStatus.UNPROCESSABLE_ENTITY),
    (IdempotencyKeyReused, HTTPStatus.UNPROCESSABLE_ENTITY),
    (BadRequest, HTTPStatus.BAD_REQUEST),
    (InvalidPage, HTTPStatus.BAD_REQUEST),
    (PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (NotFound, HTTPStatus.NOT_FOUND),
    (PreconditionFailed, HTTPStatus.PRECONDITION_FAILED),
    (IdempotencyKeyInFlight, HTTPStatus.CONFLICT),
)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[str]:
    """An RFC 9457 problem: ``about:blank`` with the status phrase as its title."""
    title = _TITLES.get(int(status)) or HTTPStatus(status).phrase
    body = {"type": "about:blank", "title": title, "status": int(status), "detail": detail}
    return Response(status_code=status, content_type=PROBLEM_JSON, body=dumps(body), headers=headers)


def client_error_answer(error: Exception) -> Response[str] | None:
    """The problem answering a client's mistake, or None for anything else."""
    for kind, status in CLIENT_ERRORS:
        if isinstance(error, kind):
            retry_after = getattr(error, "retry_after", None)  # a 409: when the other run has ended
            return problem(status, str(error), {"Retry-After": str(retry_after)} if retry_after else None)
    return None
