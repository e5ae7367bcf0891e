"""A record's ``data`` between JSON and DynamoDB, exactly: it comes back as it went in.

Numbers never pass through a binary float: they go in as ``Decimal`` and come back as
``int`` or ``Decimal`` with every digit (a float keeps 17 significant digits, DynamoDB 38).

The conversions are boto3's ``TypeSerializer`` and ``TypeDeserializer`` for these types,
written out (``tests/unit/test_codec.py`` holds them equal on any value): importing
``boto3.dynamodb.types`` imports the whole ``boto3`` package, session and S3 transfer
manager included, on every cold start of a function that uses none of it.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from dynamo_tables.limits import DYNAMODB_CONTEXT, compact_number
from dynamo_tables.shapes import AttributeValue


def to_attribute(data: Any) -> AttributeValue:
    """A value as DynamoDB stores it (``{"M": ...}``); give it what ``storable`` returns.

    Raises:
        TypeError: a value of a kind JSON does not have (a float: pass ``storable``'s Decimal).
        decimal.DecimalException: a number DynamoDB cannot hold (more than 38 digits).
    """
    if data is None:
        return {"NULL": True}
    if isinstance(data, bool):
        return {"BOOL": data}
    if isinstance(data, int | Decimal):
        number = str(DYNAMODB_CONTEXT.create_decimal(data))
        if number in ("Infinity", "-Infinity", "NaN", "-NaN", "sNaN"):
            raise TypeError(f"{number} is not a number DynamoDB holds")
        return {"N": number}
    if isinstance(data, str):
        return {"S": data}
    if isinstance(data, bytes | bytearray):
        return {"B": bytes(data)}
    if isinstance(data, Mapping):
        return {"M": {name: to_attribute(member) for name, member in data.items()}}
    if isinstance(data, list | tuple):
        return {"L": [to_attribute(member) for member in data]}
    raise TypeError(f"a {type(data).__name__} is not a value this codec stores")


def from_attribute(value: AttributeValue) -> Any:
    """A stored value back to plain Python (see ``plain``)."""
    return plain(_python(value))


def _python(value: Any) -> Any:
    ((kind, member),) = value.items()
    if kind in ("S", "BOOL"):
        return member
    if kind == "N":
        return DYNAMODB_CONTEXT.create_decimal(member)
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: _python(element) for name, element in member.items()}
    if kind == "L":
        return [_python(element) for element in member]
    if kind == "B":
        return bytes(member)
    if kind == "SS":
        return set(member)
    if kind == "NS":
        return {DYNAMODB_CONTEXT.create_decimal(number) for number in member}
    if kind == "BS":
        return {bytes(binary) for binary in member}
    raise TypeError(f"DynamoDB type {kind} is not supported")


def storable(value: Any) -> Any:
    """Numbers as Decimals boto3 serializes exactly: floats by their shortest repr,
    trailing zeros dropped (boto3 refuses a 41-digit ``10**40`` but takes ``1E+40``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return compact_number(Decimal(repr(value)))
    if isinstance(value, int | Decimal):
        return compact_number(Decimal(value))
    if isinstance(value, Mapping):
        return {name: storable(member) for name, member in value.items()}
    if isinstance(value, list):
        return [storable(member) for member in value]
    return value


def plain(value: Any) -> Any:
    """DynamoDB values back to plain Python, exactly: integers as ``int``, other numbers
    stay ``Decimal``; sets become lists."""
    if isinstance(value, Decimal):
        number = compact_number(value)
        exponent = number.as_tuple().exponent  # an int for every finite number
        return int(number) if isinstance(exponent, int) and exponent >= 0 else number
    if isinstance(value, Mapping):
        return {name: plain(member) for name, member in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [plain(member) for member in value]
    return value
