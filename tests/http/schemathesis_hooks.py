"""Schemathesis as a correct client: a fresh Idempotency-Key for each write it sends.

A key is a client's promise that two requests mean one write. Schemathesis repeats the
values it generates across cases, which breaks that promise and draws the 422 the contract
gives a key reused with another request: no schema can say "unique". A key it made invalid
on purpose (longer than the API takes) is left as it is, to be refused.
"""

import uuid
from typing import Any

import schemathesis

from tables_api.parsing import MAX_IDEMPOTENCY_KEY_LENGTH


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    key = (case.headers or {}).get("Idempotency-Key")
    if key and len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
