"""A record as DynamoDB holds it, and what one write of it answers.

Besides the seed's attributes a record holds ``Version`` (a number, the ETag), an optional
``Data`` map, and the tokens of its last writes (``W0`` ...; see ``write_tokens.py``).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dynamo_tables.calls import ConditionFailed
from dynamo_tables.codec import from_attribute, plain
from dynamo_tables.errors import AlreadyExists, NotFound, VersionConflict
from dynamo_tables.models import Precondition, Record
from dynamo_tables.schema import COMPLEX_SCHEMA_KEY_ONE, COMPLEX_SCHEMA_KEY_THREE, COMPLEX_SCHEMA_KEY_TWO
from dynamo_tables.shapes import AttributeMap

RECORD_VERSION = "Version"
RECORD_DATA = "Data"
KEEP: Any = object()  # a write's ``data`` that leaves ``Data`` as it is


def utc_timestamp() -> str:
    """Now in ISO 8601 UTC with milliseconds, e.g. ``2026-11-24T22:15:48.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_record(item: AttributeMap) -> Record:
    """An item of the table as a ``Record``; an item with no version (the seed's own
    ``put``) is version 0."""
    data = item.get(RECORD_DATA)
    return Record(
        id=item[COMPLEX_SCHEMA_KEY_ONE]["S"],
        status=item.get(COMPLEX_SCHEMA_KEY_TWO, {}).get("S", ""),
        updated_at=item.get(COMPLEX_SCHEMA_KEY_THREE, {}).get("S", ""),
        version=int(item.get(RECORD_VERSION, {}).get("N", "0")),
        data=from_attribute(data) if data else None,
    )


def applied(
    before: AttributeMap | None, record_id: str, status: str, updated_at: str, data: Mapping[str, Any] | None
) -> tuple[Record, bool]:
    """A write's answer from the item just before it (``ALL_OLD``): the record as written,
    and whether it is new. ``data``: ``KEEP``, None (removed) or the data written."""
    # The item before is read only for its version, and its data only when kept: a new
    # ``data`` makes converting the old one (the largest part of the image) wasted work.
    version = int(before.get(RECORD_VERSION, {}).get("N", "0")) if before else 0
    if data is KEEP:
        kept = before.get(RECORD_DATA) if before else None
        written = from_attribute(kept) if kept else None
    else:
        written = plain(data)
    record = Record(id=record_id, status=status, updated_at=updated_at, version=version + 1, data=written)
    return record, not before


def applied_before(
    now: AttributeMap, age: int, record_id: str, status: str, updated_at: str, data: Mapping[str, Any] | None
) -> tuple[Record, bool]:
    """The answer to a write found already applied ``age`` writes ago (botocore's retry of
    a lost answer, or a retried request with the same tokens), as its own answer would
    have been; ``now`` is the item as it is."""
    current = to_record(now)
    if age == 0:  # nothing came after it: the record is its result
        return current, current.version == 1
    version = current.version - age  # one version per write since
    kept = current.data if data is KEEP else plain(data)  # PATCH: the data as it is now
    return Record(record_id, status, updated_at, version, kept), version == 1


def precondition_error(
    record_id: str, precondition: Precondition, err: ConditionFailed, must_exist: bool
) -> Exception:
    """Which precondition failed, told from the item as it was (None: there was none)."""
    if err.item is None and must_exist:
        return NotFound(f"no record with id {record_id!r}")
    if err.item is not None and precondition.must_not_exist:
        return AlreadyExists(f"record {record_id!r} already exists")
    return VersionConflict(f"record {record_id!r} does not have the expected version")
