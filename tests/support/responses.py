"""Reading Lambda proxy responses the way API Gateway merges them."""

import json
from typing import Any


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header, case-insensitive, from ``headers`` or ``multiValueHeaders``."""
    multi = {key: values[-1] for key, values in response.get("multiValueHeaders", {}).items()}
    headers = {**response.get("headers", {}), **multi}
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)
