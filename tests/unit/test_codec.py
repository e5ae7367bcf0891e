"""The layer's codec is boto3's TypeSerializer and TypeDeserializer for every value it meets,
written out so a cold start need not import boto3 (dynamo_tables/codec.py): held equal to
boto3's own, on any value Hypothesis makes."""

import decimal
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT as BOTO3_CONTEXT
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamo_tables.codec import from_attribute, plain, storable, to_attribute
from dynamo_tables.limits import DYNAMODB_CONTEXT

NUMBERS = st.one_of(
    st.integers(-(10**38) + 1, 10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
NUMBER_TEXT = st.integers(-(10**30), 10**30).map(str) | st.sampled_from(["0.5", "-1E+40", "1.23E-100", "7.0"])
ATTRIBUTES = st.recursive(
    st.one_of(
        st.builds(lambda text: {"S": text}, st.text(max_size=10)),
        st.builds(lambda number: {"N": number}, NUMBER_TEXT),
        st.builds(lambda flag: {"BOOL": flag}, st.booleans()),
        st.just({"NULL": True}),
        st.builds(lambda data: {"B": data}, st.binary(max_size=8)),
        st.builds(lambda texts: {"SS": sorted(texts)}, st.sets(st.text(max_size=5), min_size=1, max_size=3)),
        st.builds(lambda numbers: {"NS": sorted(numbers)}, st.sets(NUMBER_TEXT, min_size=1, max_size=3)),
        st.builds(
            lambda blobs: {"BS": sorted(blobs)}, st.sets(st.binary(max_size=4), min_size=1, max_size=3)
        ),
    ),
    lambda inner: (
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3))
        | st.builds(lambda members: {"M": members}, st.dictionaries(st.text(max_size=5), inner, max_size=3))
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(JSON)
def test_a_value_is_stored_as_boto3_stores_it(value: Any) -> None:
    stored = storable(value)
    expected: Any
    try:
        expected = TypeSerializer().serialize(stored)
    except (TypeError, decimal.DecimalException) as refused:
        expected = type(refused)
    try:
        ours: Any = to_attribute(stored)
    except (TypeError, decimal.DecimalException) as refused:
        ours = type(refused)
    assert ours == expected


@settings(max_examples=300)
@given(ATTRIBUTES)
def test_a_stored_value_reads_back_as_boto3_reads_it(value: Any) -> None:
    assert from_attribute(value) == plain(TypeDeserializer().deserialize(value))


def test_the_decimal_context_is_boto3s() -> None:
    for name in ("prec", "Emin", "Emax", "rounding", "capitals", "clamp"):
        assert getattr(DYNAMODB_CONTEXT, name) == getattr(BOTO3_CONTEXT, name), name
    assert {kind for kind, on in DYNAMODB_CONTEXT.traps.items() if on} == {
        kind for kind, on in BOTO3_CONTEXT.traps.items() if on
    }
