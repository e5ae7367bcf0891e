"""The sizes docs/API.md and docs/PERFORMANCE.md give for a sharded listing's cursor: one
position (a time and an id) for each shard not yet exhausted, in one URL-safe token."""

import pytest

from dynamo_tables.cursor import encode_positions

TIME = "2026-12-04T22:17:26.123Z"
URL_LIMIT = 10 * 1024  # about what API Gateway takes in a URL


def _cursor(shards: int, record_id: str) -> str:
    cursor = encode_positions("records:green:shards:32", dict.fromkeys(range(shards), (TIME, record_id)))
    assert cursor is not None
    return cursor


@pytest.mark.parametrize(("shards", "id_bytes"), [(32, 1000), (32, 200), (32, 36), (8, 100), (4, 1000)])
def test_the_documented_formula_gives_the_size_within_a_tenth(shards: int, id_bytes: int) -> None:
    size = len(_cursor(shards, "k" * id_bytes))

    assert size == pytest.approx(4 / 3 * shards * (38 + id_bytes), rel=0.1)


def test_the_examples_the_docs_give() -> None:
    assert len(_cursor(32, "k" * 1000)) == pytest.approx(45_000, rel=0.05)  # about 45 KB
    assert len(_cursor(32, "k" * 200)) == pytest.approx(10_000, rel=0.05)  # about 10 KB
    assert len(_cursor(32, "6c7a1f4e-3b1d-4c55-9d53-1f0f5d0a2b9e")) == pytest.approx(3_200, rel=0.05)


@pytest.mark.parametrize(("shards", "id_bytes"), [(32, 100), (16, 200), (4, 1000)])
def test_what_the_docs_call_safe_fits_a_url(shards: int, id_bytes: int) -> None:
    assert shards * (38 + id_bytes) <= 6_000 * 1.05  # the rule of thumb the docs give
    assert len(_cursor(shards, "k" * id_bytes)) < URL_LIMIT
