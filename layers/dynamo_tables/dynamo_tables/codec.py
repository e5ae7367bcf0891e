"""A record's ``data`` between JSON and DynamoDB, exactly: it comes back as it went in.

Numbers never pass through a binary float: they go in as ``Decimal`` and come back as
``int`` or ``Decimal`` with every digit (a float keeps 17 significant digits, DynamoDB 38).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from dynamo_tables.limits import compact_number
from dynamo_tables.shapes import AttributeValue

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attribute(data: Any) -> AttributeValue:
    """A value as DynamoDB stores it (``{"M": ...}``); give it what ``storable`` returns."""
    return _serializer.serialize(data)


def from_attribute(value: AttributeValue) -> Any:
    """A stored value back to plain Python (see ``plain``)."""
    return plain(_deserializer.deserialize(value))


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
