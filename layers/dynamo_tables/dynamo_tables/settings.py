"""Configuration read once from the environment that ``template.yaml`` sets."""

import functools
import os
from dataclasses import dataclass

from dynamo_tables.schema import COMPLEX_SCHEMA_TABLE_NAME, SIMPLE_SCHEMA_TABLE_NAME

DEFAULT_RECORD_STATUSES = ("green", "red")


@dataclass(frozen=True)
class Settings:
    simple_table_name: str
    complex_table_name: str
    record_statuses: tuple[str, ...]


@functools.cache
def get_settings() -> Settings:
    """Table names default to the seed's; statuses come from ``RecordStatuses``."""
    statuses = tuple(
        status.strip() for status in os.environ.get("RECORD_STATUSES", "").split(",") if status.strip()
    )
    return Settings(
        simple_table_name=os.environ.get("SIMPLE_TABLE_NAME") or SIMPLE_SCHEMA_TABLE_NAME,
        complex_table_name=os.environ.get("COMPLEX_TABLE_NAME") or COMPLEX_SCHEMA_TABLE_NAME,
        record_statuses=statuses or DEFAULT_RECORD_STATUSES,
    )
