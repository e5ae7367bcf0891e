"""Configuration that template.yaml sets for every function, read when a table class is built.

Functions build their table classes at module scope, so a missing or malformed variable
fails the cold start with its name, instead of a request later, or a quiet fall back to
some other table.
"""

import os

from dynamo_tables.errors import ConfigurationError


def table_name_from(variable: str) -> str:
    """The table name in ``variable``; missing or blank is an error naming it."""
    name = os.environ.get(variable, "").strip()
    if not name:
        raise ConfigurationError(
            f"{variable} is not set: it names the DynamoDB table. template.yaml sets it for every "
            "function; elsewhere set it, or pass table_name (or the seed's conf dict)"
        )
    return name


def record_statuses(default: tuple[str, ...]) -> tuple[str, ...]:
    """``RECORD_STATUSES`` (comma-separated, template parameter ``RecordStatuses``), else ``default``."""
    listed = os.environ.get("RECORD_STATUSES")
    if listed is None:
        return default
    statuses = tuple(status.strip() for status in listed.split(",") if status.strip())
    if not statuses:
        raise ConfigurationError(f"RECORD_STATUSES={listed!r} names no status: set e.g. green,red")
    return statuses


MAX_STATUS_INDEX_SHARDS = 32  # template parameter StatusIndexShards's bound


def status_index_shards() -> int:
    """``STATUS_INDEX_SHARDS`` (template parameter ``StatusIndexShards``): 0, the default, is
    the seed's status index; 2 to 32, the write-sharded one with that many shards."""
    listed = os.environ.get("STATUS_INDEX_SHARDS")
    return 0 if listed is None else _shard_count("STATUS_INDEX_SHARDS", listed)


def status_index_shards_before() -> int | None:
    """``STATUS_INDEX_SHARDS_BEFORE`` (template parameter ``StatusIndexShardsBefore``): the
    count a re-shard is moving away from, while its backfill may be under way; unset or
    empty, the default, when none is."""
    listed = os.environ.get("STATUS_INDEX_SHARDS_BEFORE", "")
    return _shard_count("STATUS_INDEX_SHARDS_BEFORE", listed) if listed.strip() else None


def status_index_counts() -> tuple[int, int | None]:
    """``status_index_shards()`` and ``status_index_shards_before()``."""
    return status_index_shards(), status_index_shards_before()


def _shard_count(variable: str, listed: str) -> int:
    try:
        shards = int(listed.strip())
    except ValueError:
        shards = -1
    if shards != 0 and not 2 <= shards <= MAX_STATUS_INDEX_SHARDS:
        raise ConfigurationError(f"{variable}={listed!r}: must be 0 (off) or 2 to {MAX_STATUS_INDEX_SHARDS}")
    return shards
