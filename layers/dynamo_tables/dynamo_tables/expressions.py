"""The expressions of a record's writes: one atomic update per write, and preconditions
DynamoDB checks in the same request (never read-modify-write)."""

import re
from collections.abc import Mapping
from typing import Any

from dynamo_tables.codec import to_attribute
from dynamo_tables.errors import InvalidInput
from dynamo_tables.limits import MAX_IN_OPERANDS
from dynamo_tables.models import Precondition
from dynamo_tables.records import KEEP, RECORD_DATA, RECORD_VERSION
from dynamo_tables.schema import (
    COMPLEX_SCHEMA_KEY_ONE,
    COMPLEX_SCHEMA_KEY_SHARD,
    COMPLEX_SCHEMA_KEY_THREE,
    COMPLEX_SCHEMA_KEY_TWO,
)
from dynamo_tables.shapes import AttributeMap, Params
from dynamo_tables.write_tokens import NAMES as WRITE_TOKEN_NAMES
from dynamo_tables.write_tokens import WriteToken

_NAMES = {
    "#id": COMPLEX_SCHEMA_KEY_ONE,
    "#status": COMPLEX_SCHEMA_KEY_TWO,
    "#shard": COMPLEX_SCHEMA_KEY_SHARD,
    "#updated": COMPLEX_SCHEMA_KEY_THREE,
    "#version": RECORD_VERSION,
    "#data": RECORD_DATA,
    **WRITE_TOKEN_NAMES,
}


def record_write(
    key: AttributeMap,
    status: str,
    updated_at: str,
    data: Mapping[str, Any] | None,
    precondition: Precondition,
    must_exist: bool,
    token: WriteToken,
    shard_key: str | None,
) -> Params:
    """One UpdateItem (without its table) that sets status and time and moves the version
    atomically, recognising its own retry by ``token`` (see ``write_tokens.py``).

    ``data``: ``KEEP`` leaves it, None removes it; ``shard_key``: the record's key in the
    sharded status index, if there is one.

    Raises:
        InvalidInput: the precondition names more versions than DynamoDB's ``IN`` takes.
    """
    values: AttributeMap = {
        ":status": {"S": status},
        ":updated": {"S": updated_at},
        ":zero": {"N": "0"},
        ":one": {"N": "1"},
        **token.values,
    }
    assignments = [
        "#status = :status",
        "#updated = :updated",
        "#version = if_not_exists(#version, :zero) + :one",
    ]
    if shard_key is not None:
        assignments.append("#shard = :shard")
        values[":shard"] = {"S": shard_key}
    removals = []
    if data is None:
        removals.append("#data")
    elif data is not KEEP:
        assignments.append("#data = :data")
        values[":data"] = to_attribute(data)
    update = token.update(assignments, removals)
    precondition_met, condition_values = precondition_expression(precondition, must_exist)
    condition = f"{precondition_met} AND {token.guard}" if precondition_met else token.guard
    return {
        "Key": key,
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names_used_in(update, condition),
        "ExpressionAttributeValues": {**values, **condition_values},
    }


def precondition_expression(precondition: Precondition, must_exist: bool) -> tuple[str | None, AttributeMap]:
    """The ConditionExpression (and its values) that enforces a precondition atomically.

    Raises:
        InvalidInput: it names more versions than DynamoDB's ``IN`` takes.
    """
    clauses: list[str] = []
    values: AttributeMap = {}
    if must_exist or precondition.must_exist:
        clauses.append("attribute_exists(#id)")
    if precondition.must_not_exist:
        clauses.append("attribute_not_exists(#id)")
    if precondition.versions:
        clauses.append(_at_version(values, "expected", precondition.versions))
    if precondition.none_match_versions:
        at_refused = _at_version(values, "refused", precondition.none_match_versions)
        clauses.append(f"(attribute_not_exists(#id) OR NOT {at_refused})")
    return (" AND ".join(clauses) or None), values


def _at_version(values: AttributeMap, prefix: str, versions: tuple[int, ...]) -> str:
    """The record exists at one of these versions. A record with no ``Version`` (written by
    the seed's own methods, or before versions) is version 0, its ``ETag`` ``"0"``: DynamoDB
    finds no number to compare, so 0 is also asked as the attribute's absence (a re-shard's
    backfill writes the 0 out, ``reshard.py``: then it is a number like any other).

    Raises:
        InvalidInput: more versions than DynamoDB's ``IN`` takes.
    """
    clause = f"#version IN ({_numbers(values, prefix, versions)})"
    if 0 not in versions:
        return clause
    return f"({clause} OR (attribute_exists(#id) AND attribute_not_exists(#version)))"


def names_used_in(*expressions: str | None) -> dict[str, str]:
    """The placeholders an expression uses: DynamoDB rejects unused ones."""
    used = set(re.findall(r"#\w+", " ".join(expression for expression in expressions if expression)))
    return {placeholder: name for placeholder, name in _NAMES.items() if placeholder in used}


def _numbers(values: AttributeMap, prefix: str, numbers: tuple[int, ...]) -> str:
    """Add numbers as expression values; return their placeholders, comma-separated.

    Each number once: DynamoDB's ``IN`` compares with at most 100 operands.
    """
    distinct = sorted(set(numbers))
    if len(distinct) > MAX_IN_OPERANDS:
        raise InvalidInput("precondition", f"may name at most {MAX_IN_OPERANDS} versions")
    placeholders = []
    for index, number in enumerate(distinct):
        values[f":{prefix}{index}"] = {"N": str(number)}
        placeholders.append(f":{prefix}{index}")
    return ", ".join(placeholders)
