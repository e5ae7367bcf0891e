"""Schemathesis as a correct client: the caller's credentials on every case it sends, and a
fresh Idempotency-Key for each write.

The credentials are the HTTP tier's (tests/support/credentials.py), from the variables
tests/http/test_schemathesis.py passes on; set as the requests auth of each call, they sign
the URL and body as schemathesis sends them. Its two start-up probes (a GET of paths no
route serves, answered 403 before any auth) and a retry it makes only to explain a 5xx go
out without them.

A key is a client's promise that two requests mean one write. Schemathesis repeats the
values it generates across cases, which breaks that promise and draws the 422 the contract
gives a key reused with another request: no schema can say "unique". A key it made invalid
on purpose (longer than the API takes) is left as it is, to be refused.
"""

import uuid
from typing import Any

import schemathesis

from tables_api.parsing import MAX_IDEMPOTENCY_KEY_LENGTH
from tests.support.credentials import from_environment

CREDENTIALS = from_environment()


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # kwargs taken whole, not as **kwargs: schemathesis then sends what the hook puts in it.
    kwargs["auth"] = CREDENTIALS
    key = (case.headers or {}).get("Idempotency-Key")
    if key and len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
