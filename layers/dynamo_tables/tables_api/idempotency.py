"""``Idempotency-Key`` on the API's writes, with Powertools' idempotency utility.

The first answer to a key is kept for an hour (its table: ``IDEMPOTENCY_TABLE_NAME``):
the same key with the same request gets that answer again and applies nothing; with
another request it is a 422; while the first still runs, a 409. Client errors are kept
like successes; a 5xx is not, so the retry runs again, and then its write tokens, derived
from the key and the request (``WriteTokens(seed)``), let it recognise a write that the
failed run did apply (a 503 after DynamoDB took the write) instead of applying it twice.

A run holds its key with an in-progress record until the request's deadline
(``dynamo_tables.deadline``), by when its every DynamoDB attempt has ended, not until its
function would time out: when DynamoDB fails, the record may stay (it cannot be deleted),
and the 503 says in ``Retry-After`` when it expires; a 409 says when the run holding the
key has ended. A client that waits as told is served at once.

Imported by ``app.py`` only for a request carrying the header.
"""

import base64
import hashlib
import json
import math
import time
import zlib
from collections.abc import Callable
from typing import Any, TypedDict

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from dynamo_tables import deadline, default_client
from dynamo_tables.settings import table_name_from
from dynamo_tables.write_tokens import WriteTokens
from tables_api.callers import callers
from tables_api.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, UnavailableUntil
from tables_api.log import logger
from tables_api.metrics import note
from tables_api.powertools import APIGatewayRestResolver, Response, idempotency_store
from tables_api.problems import client_error_answer

EXPIRES_AFTER_SECONDS = 60 * 60
_PRECONDITIONS = ("If-Match", "If-None-Match")

_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="request",
    expires_after_seconds=EXPIRES_AFTER_SECONDS,
)
_STORE = idempotency_store(table_name_from("IDEMPOTENCY_TABLE_NAME"), default_client())

Run = Callable[[WriteTokens], Response[Any]]


class KeptAnswer(TypedDict):
    """An answer as the idempotency table keeps it: the body compressed (``_packed``)."""

    status_code: int
    body: str
    headers: dict[str, Any]


def answer_once(app: APIGatewayRestResolver, key: str, run: Run) -> Response[str]:
    """``run`` the write once for this key and request, passing it the write tokens its
    table methods take; later, its first answer again.

    Raises:
        IdempotencyKeyReused: the key came with another request before.
        IdempotencyKeyInFlight: a request with the key is still running.
        Unavailable: the idempotency table could not be read or written before the write ran.
    """
    event = app.current_event
    request = {
        "method": event.http_method,
        "route": event.resource,
        "path": event.path_parameters or {},
        "body": event.body,
        "preconditions": {name: event.headers.get(name) for name in _PRECONDITIONS},
    }
    # One namespace for the whole API, per caller: a key means one write of one caller's. The
    # signer first, as before sign-in and API keys came (a key kept over a deploy still
    # matches), then the user and the partner's key when the request carries them.
    others = {kind: value for kind, value in callers(event.raw_event).items() if kind != "iam"}
    scoped = [
        event.request_context.identity.caller or "",
        key,
        *(f"{kind}:{value}" for kind, value in others.items()),
    ]
    seed = hashlib.sha256(json.dumps([scoped, request], sort_keys=True).encode()).hexdigest()
    _CONFIG.register_lambda_context(_UntilDeadline(app.lambda_context))  # type: ignore[arg-type]
    ran: list[KeptAnswer] = []  # the write's own answer, should keeping it fail
    try:
        answer = _run_once(
            data={"key": scoped, "request": request}, run=lambda: run(WriteTokens(seed)), ran=ran
        )
        if not ran:  # the write did not run now: this is its first answer, kept
            note("IdempotentReplays")
    except IdempotencyValidationError as err:
        raise IdempotencyKeyReused("Idempotency-Key: already used with another request") from err
    except IdempotencyAlreadyInProgressError as err:
        held_until_ms = getattr(_STORE, "held_until_ms", None)  # powertools.py tells it
        seconds = (float(held_until_ms) / 1000 - time.time()) if held_until_ms else deadline.seconds_left()
        raise IdempotencyKeyInFlight(
            "Idempotency-Key: a request with this key is still running", _whole_seconds(seconds)
        ) from err
    except IdempotencyPersistenceLayerError as err:
        if not ran:
            # This run's in-progress record may be there (saved, or not deleted) until its
            # deadline; a retry is served from then on.
            raise UnavailableUntil(
                f"idempotency table: {type(err).__name__}", _whole_seconds(deadline.seconds_left())
            ) from err
        # The write ran and has its answer; only keeping it failed. A retry with the key
        # then runs again, and its derived tokens recognise this write.
        logger.warning("Idempotency-Key answer not kept", extra={"reason": type(err).__name__})
        answer = ran[0]
    return Response(
        status_code=answer["status_code"], body=_unpacked(answer["body"]), headers=answer["headers"]
    )


class _UntilDeadline:
    """The remaining time Powertools sets an in-progress record's expiry by
    (``register_lambda_context``): the request's deadline's, not the function's timeout."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def get_remaining_time_in_millis(self) -> int:
        left = deadline.seconds_left()
        if left is None:  # called outside the API's resolver: the function's own limit
            return int(self._context.get_remaining_time_in_millis())
        return max(0, int(left * 1000))


def _whole_seconds(seconds: float | None) -> int:
    """A ``Retry-After``: whole seconds, at least one, never before ``seconds`` have passed."""
    return max(1, math.ceil(seconds or 0))


@idempotent_function(
    data_keyword_argument="data", persistence_store=_STORE, config=_CONFIG, key_prefix="dynamodb-backend"
)
def _run_once(data: dict[str, Any], run: Callable[[], Response[Any]], ran: list[KeptAnswer]) -> KeptAnswer:
    """The answer to keep: a success or a client error; a 5xx raises, and is not kept."""
    try:
        response = run()
    except Exception as error:
        problem = client_error_answer(error)
        if problem is None:
            raise
        response = problem
    answer: KeptAnswer = {
        "status_code": response.status_code,
        "body": _packed(response.body),
        "headers": response.headers,
    }
    ran.append(answer)
    return answer


def _packed(body: Any) -> str:
    """The body compressed, in base64: ASCII that JSON keeps as it is (it escapes each
    non-ASCII character to six), so a body within the API's limit fits one DynamoDB item."""
    text = body if isinstance(body, str) else (body or b"").decode()
    return base64.b64encode(zlib.compress(text.encode())).decode()


def _unpacked(packed: str) -> str:
    return zlib.decompress(base64.b64decode(packed)).decode()
