"""The documented input limits, checked before DynamoDB is called.

Keys are checked against DynamoDB's own limit (2048 bytes); every other limit keeps one
item well inside DynamoDB's (400 KB per item, 32 levels of nesting, 38-digit numbers), so
input is refused here with a clear error instead of failing inside DynamoDB.
"""

from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, DecimalException, Inexact, Overflow, Rounded, Underflow
from typing import Any

from dynamo_tables.errors import InvalidInput, InvalidPage

# boto3's DynamoDB context (boto3.dynamodb.types, held equal by tests/unit/test_codec.py): 38
# digits, DynamoDB's exponents, any rounding refused. Not imported: that imports all of boto3.
DYNAMODB_CONTEXT = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)

DYNAMODB_MAX_KEY_BYTES = 2048  # a partition key value, in UTF-8
# An item's value, in UTF-8: with its key and the write tokens, well inside DynamoDB's 400 KB.
MAX_VALUE_BYTES = 256 * 1024
MAX_DATA_DEPTH = 16
MAX_MEMBER_NAME_LENGTH = 255  # characters, as JSON Schema's maxLength counts them
MIN_PAGE_SIZE, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 1, 100, 25
MAX_IN_OPERANDS = 100  # DynamoDB's limit on the list of a condition's IN

# DynamoDB numbers hold at most 38 significant digits and magnitudes from 1E-130 to
# below 1E+126. The API keeps magnitudes within 1E+38, a bound openapi.yaml can state.
_MAX_NUMBER_DIGITS = 38
MIN_NUMBER_MAGNITUDE = Decimal("1E-130")
MAX_NUMBER_MAGNITUDE = Decimal("1E+38")


def check_key(field: str, key: Any) -> str:
    """A string key as DynamoDB takes one: 1 to 2048 bytes of UTF-8, any characters.

    Narrower rules an API adds (the HTTP module's) belong to that API, not to the tables.
    """
    if not isinstance(key, str):
        raise InvalidInput(field, "must be a string")
    if not key:
        raise InvalidInput(field, "must not be empty")
    _check_text(field, key)
    if len(key.encode("utf-8")) > DYNAMODB_MAX_KEY_BYTES:
        raise InvalidInput(field, f"must be at most {DYNAMODB_MAX_KEY_BYTES} bytes in UTF-8")
    return key


def check_value(field: str, value: Any) -> str:
    """An item's value: any string up to the body limit."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    _check_text(field, value)
    if utf8_size(value) > MAX_VALUE_BYTES:
        raise InvalidInput(field, f"must be at most {MAX_VALUE_BYTES} bytes in UTF-8")
    return value


def check_status(field: str, status: Any, allowed: tuple[str, ...]) -> str:
    """A record's status: one of the allowed set (template parameter ``RecordStatuses``)."""
    if not isinstance(status, str) or status not in allowed:
        raise InvalidInput(field, f"must be one of: {', '.join(allowed)}")
    return status


def check_data(field: str, data: Any) -> dict[str, Any]:
    """A record's free-form ``data``: a JSON object DynamoDB can store as it is."""
    if not isinstance(data, Mapping):
        raise InvalidInput(field, "must be a JSON object")
    _check_json_value(field, data, depth=1)
    return dict(data)


def check_page_size(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not MIN_PAGE_SIZE <= limit <= MAX_PAGE_SIZE:
        raise InvalidPage(f"limit must be an integer from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}")
    return limit


def _check_json_value(path: str, value: Any, depth: int) -> None:
    if isinstance(value, Mapping):
        _check_depth(path, depth)
        for name, member in value.items():
            if not isinstance(name, str) or not name:
                raise InvalidInput(path, "object member names must be non-empty strings")
            _check_text(path, name)
            if len(name) > MAX_MEMBER_NAME_LENGTH:
                raise InvalidInput(
                    path, f"object member names must be at most {MAX_MEMBER_NAME_LENGTH} characters"
                )
            _check_json_value(f"{path}.{name}", member, depth + 1)
    elif isinstance(value, list):
        _check_depth(path, depth)
        for index, member in enumerate(value):
            _check_json_value(f"{path}[{index}]", member, depth + 1)
    elif isinstance(value, str):
        _check_text(path, value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        _check_number(path, Decimal(repr(value)))
    elif isinstance(value, int | Decimal):
        _check_number(path, Decimal(value))
    else:
        raise InvalidInput(path, f"unsupported JSON value of type {type(value).__name__}")


def _check_depth(path: str, depth: int) -> None:
    if depth > MAX_DATA_DEPTH:
        raise InvalidInput(path, f"must be nested at most {MAX_DATA_DEPTH} levels deep")


def compact_number(number: Decimal) -> Decimal:
    """The same number without trailing zeros in its coefficient (``1E+40``, not 41 digits),
    and any zero as plain ``0`` (``0E-200`` is a zero boto3 cannot send).

    Exact, unlike ``Decimal.normalize``, which rounds to the context's 28 digits.
    """
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or digits[-1]:  # no trailing zero: already compact
        return number
    if not any(digits):
        return Decimal(0)
    significant = len(digits)
    while digits[significant - 1] == 0:
        significant -= 1
    return Decimal((sign, digits[:significant], exponent + len(digits) - significant))


def _check_number(path: str, number: Decimal) -> None:
    if not number.is_finite():
        raise InvalidInput(path, "numbers must be finite")
    if number.is_zero():
        return
    compact = compact_number(number)
    if len(compact.as_tuple().digits) > _MAX_NUMBER_DIGITS:
        raise InvalidInput(path, f"numbers may have at most {_MAX_NUMBER_DIGITS} significant digits")
    if not MIN_NUMBER_MAGNITUDE <= abs(number) <= MAX_NUMBER_MAGNITUDE:
        raise InvalidInput(path, "numbers other than 0 must lie between 1E-130 and 1E+38 in magnitude")
    try:
        # boto3's own DynamoDB context: 38 digits, none below 1E-165, or it refuses to send.
        DYNAMODB_CONTEXT.create_decimal(compact)
    except DecimalException as err:
        raise InvalidInput(path, "numbers must fit DynamoDB's 38 digits, none smaller than 1E-165") from err


def _check_text(field: str, text: str) -> None:
    """Strings must be valid Unicode: JSON can smuggle in a lone surrogate (``"\\ud800"``)."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidInput(field, "must be valid Unicode text (no lone surrogates)") from err


def utf8_size(text: str) -> int:
    # surrogatepass: a lone surrogate from JSON "\ud800" still has a size to report.
    return len(text.encode("utf-8", "surrogatepass"))
