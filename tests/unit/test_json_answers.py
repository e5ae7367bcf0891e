"""Answers are compact JSON with every number exact: json's own encoder writes a body with no
``Decimal`` in it, the layer's writer one with (``tables_api/responses.py``); both must give
the same text for the same value, and a Decimal must come out digit for digit."""

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tables_api.responses import _exact, dumps

PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**38), 10**38)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
EXACT = st.decimals(allow_nan=False, allow_infinity=False)


@given(PLAIN)
def test_a_body_without_decimals_is_written_as_the_layers_writer_writes_it(value: object) -> None:
    assert dumps(value) == _exact(value)
    assert json.loads(dumps(value)) == value


@given(PLAIN, EXACT)
def test_a_decimal_anywhere_comes_out_digit_for_digit(value: object, number: Decimal) -> None:
    body = {"data": {"n": number, "rest": value}}

    assert dumps(body) == _exact(body)
    assert json.loads(dumps(body), parse_float=Decimal, parse_int=Decimal)["data"]["n"] == number
    assert str(number) in dumps(body)
