"""Hypothesis strategies for what the API accepts and what it must refuse."""

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from dynamo_tables.limits import (
    DYNAMODB_MAX_KEY_BYTES,
    MAX_DATA_DEPTH,
    MAX_MEMBER_NAME_LENGTH,
    MAX_NUMBER_MAGNITUDE,
    MIN_NUMBER_MAGNITUDE,
)
from tables_api.parsing import MAX_KEY_BYTES

# What DynamoDB takes in a string key: any valid Unicode (a lone surrogate is not UTF-8).
_UNICODE = st.characters(exclude_categories=["Cs"])
# What the API takes in a path: no control characters either.
_API_KEY_CHARACTERS = st.characters(exclude_categories=("Cc", "Cs"))


def _fits(limit: int) -> Any:
    return lambda key: len(key.encode()) <= limit


# Keys and ids the API accepts, "/" included: short ones of any character, URLs like the
# seed's, slashes where paths find them hardest, and some at the byte limit.
api_keys = st.one_of(
    st.text(_API_KEY_CHARACTERS, min_size=1, max_size=64),
    st.builds("http://example.com/{}".format, st.text(_API_KEY_CHARACTERS, max_size=40)),
    st.builds("/{}/".format, st.text(_API_KEY_CHARACTERS, max_size=20)),
    st.text(_API_KEY_CHARACTERS, min_size=300, max_size=MAX_KEY_BYTES).filter(_fits(MAX_KEY_BYTES)),
    st.text("abcxyz019-_./:", min_size=MAX_KEY_BYTES, max_size=MAX_KEY_BYTES),
)

# Keys the table classes accept: whatever DynamoDB takes, control characters and all.
dynamodb_keys = st.one_of(
    api_keys,
    st.text(_UNICODE, min_size=1, max_size=64),
    st.text(_UNICODE, min_size=900, max_size=DYNAMODB_MAX_KEY_BYTES).filter(_fits(DYNAMODB_MAX_KEY_BYTES)),
    st.text("é", min_size=DYNAMODB_MAX_KEY_BYTES // 2, max_size=DYNAMODB_MAX_KEY_BYTES // 2),
)

# Keys DynamoDB refuses, so the table classes refuse them before calling it.
invalid_keys = st.one_of(
    st.just(""),
    st.text("a", min_size=DYNAMODB_MAX_KEY_BYTES + 1, max_size=DYNAMODB_MAX_KEY_BYTES + 50),
    st.text("é漢", min_size=DYNAMODB_MAX_KEY_BYTES // 2 + 1, max_size=DYNAMODB_MAX_KEY_BYTES).filter(
        lambda key: not _fits(DYNAMODB_MAX_KEY_BYTES)(key)
    ),
    st.builds(lambda a, b: f"{a}\ud800{b}", st.text(_UNICODE, max_size=10), st.text(_UNICODE, max_size=10)),
    st.integers(),
    st.none(),
)

# Keys DynamoDB would take but the API's documented limits refuse (422 from the HTTP module).
api_refused_keys = st.one_of(
    st.builds(
        lambda a, control, b: a + control + b,
        st.text(_API_KEY_CHARACTERS, max_size=10),
        st.characters(categories=["Cc"]),
        st.text(_API_KEY_CHARACTERS, max_size=10),
    ),
    st.text("a/", min_size=MAX_KEY_BYTES + 1, max_size=DYNAMODB_MAX_KEY_BYTES),
    st.text("é漢", min_size=MAX_KEY_BYTES // 2, max_size=MAX_KEY_BYTES).filter(
        lambda key: not _fits(MAX_KEY_BYTES)(key)
    ),
)

_MAX_DIGITS = 38


@st.composite
def exact_decimals(draw: st.DrawFn) -> Decimal:
    """Decimals as a client writes them in JSON: up to 38 significant digits, from 1E-130 to
    1E+38 in magnitude, the last digit no smaller than 1E-165 (boto3's DynamoDB context);
    most have more digits than a float keeps (17). Zeros come with any exponent."""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return Decimal(f"{draw(st.sampled_from(['', '-']))}0E{draw(st.integers(-400, 400))}")
    coefficient = draw(st.integers(min_value=1, max_value=10**_MAX_DIGITS - 1))
    digits = len(str(coefficient))
    exponent = draw(st.integers(min_value=max(-165, -129 - digits), max_value=_MAX_DIGITS - digits))
    sign = "-" if draw(st.booleans()) else ""
    return Decimal(f"{sign}{coefficient}E{exponent}")


_numbers = st.one_of(
    exact_decimals(),
    st.integers(min_value=-int(MAX_NUMBER_MAGNITUDE), max_value=int(MAX_NUMBER_MAGNITUDE)),
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda number: (
            number == 0 or MIN_NUMBER_MAGNITUDE <= abs(Decimal(repr(number))) <= MAX_NUMBER_MAGNITUDE
        )
    ),
)
_member_names = st.text(min_size=1, max_size=MAX_MEMBER_NAME_LENGTH)


def depth(value: Any) -> int:
    """Levels of objects and arrays: ``{}`` is 1, ``{"a": []}`` is 2."""
    if isinstance(value, dict):
        return 1 + max((depth(member) for member in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(member) for member in value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_member_names, children, max_size=4),
    max_leaves=30,
)

# Any JSON object within the documented limits.
valid_data = st.dictionaries(_member_names, json_values, max_size=6).filter(
    lambda data: depth(data) <= MAX_DATA_DEPTH
)


def _nested(levels: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for _ in range(levels - 1):
        data = {"d": data}
    return data


_violations = st.one_of(
    st.just({"": 1}),
    st.text(min_size=MAX_MEMBER_NAME_LENGTH + 1, max_size=MAX_MEMBER_NAME_LENGTH + 20).map(
        lambda name: {name: 1}
    ),
    st.integers(min_value=int(MAX_NUMBER_MAGNITUDE) + 1).map(lambda number: {"n": number}),
    st.integers(max_value=-int(MAX_NUMBER_MAGNITUDE) - 1).map(lambda number: {"n": number}),
    st.floats(min_value=1.01e38, allow_infinity=False).map(lambda number: {"n": number}),
    st.floats(min_value=5e-324, max_value=9.9e-131).map(lambda number: {"n": -number}),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]).map(lambda number: {"n": number}),
    # 38 significant digits above 1E-130, the last one below 1E-165: too fine for DynamoDB
    st.builds(
        lambda digits, exponent: {"n": Decimal(f"{digits}1E{exponent}")},
        st.integers(min_value=10 ** (_MAX_DIGITS - 2), max_value=10 ** (_MAX_DIGITS - 1) - 1),
        st.sampled_from([-167, -166]),
    ),
    # 39 significant digits (the last one not a zero), within the magnitude limits
    st.builds(
        lambda digits, exponent: {"n": Decimal(f"{digits}1E{exponent}")},
        st.integers(min_value=10 ** (_MAX_DIGITS - 1), max_value=10**_MAX_DIGITS - 1),
        st.integers(min_value=-100, max_value=-1),
    ),
    st.just({"s": "lone \ud800 surrogate"}),
    st.just(_nested(MAX_DATA_DEPTH + 1)),
    st.sampled_from([{1, 2}, b"bytes", object()]).map(lambda value: {"x": value}),
)


@st.composite
def invalid_data(draw: st.DrawFn) -> Any:
    """A valid object with one violation somewhere inside it, or not an object at all."""
    if draw(st.booleans()) and draw(st.booleans()):
        # Not an object (None is not here: to the layer it means "no data").
        return draw(st.one_of(st.lists(json_values), st.text(), _numbers))
    data: dict[str, Any] = draw(st.dictionaries(_member_names, json_values, max_size=3))
    violation = draw(_violations)
    where = draw(st.sampled_from(["top", "nested", "in a list"]))
    if where == "top":
        data.update(violation)
    elif where == "nested":
        data["nested"] = violation
    else:
        data["list"] = [1, violation]
    return data


def json_equal(left: Any, right: Any) -> bool:
    """Equal as JSON values: numbers compare by decimal value, whatever their Python type."""
    return bool(_canonical(left) == _canonical(right))


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, dict):
        return {name: _canonical(member) for name, member in value.items()}
    return [_canonical(member) for member in value]
