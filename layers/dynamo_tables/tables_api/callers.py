"""Who is calling, as API Gateway vouched for it: for the logs and for the scope of an
``Idempotency-Key``. Never a credential: a token's subject, an API key's id, an IAM principal."""

from collections.abc import Mapping
from typing import Any


def callers(event: Mapping[str, Any]) -> dict[str, str]:
    """Each identity the request carries, by kind: ``cognito`` (the token's ``sub``),
    ``apikey`` (the key's id) and ``iam`` (the signer's ARN). A partner's key and a
    signed-in user may come together; an anonymous request (``ApiAuth=NONE`` without API
    keys) carries none."""
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    found = {
        "cognito": claims.get("sub"),
        "apikey": identity.get("apiKeyId"),
        "iam": identity.get("userArn") or identity.get("caller"),
    }
    return {kind: str(value) for kind, value in found.items() if value}


def caller_of(event: Mapping[str, Any]) -> str | None:
    """The request's identities in one line, ``cognito:<sub> apikey:<id>``; None if none."""
    return " ".join(f"{kind}:{value}" for kind, value in callers(event).items()) or None
