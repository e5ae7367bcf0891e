"""The SDK gives up before Lambda does, so DynamoDB trouble is a 503, never a timeout."""

from devstack.template import load_template
from dynamo_tables.client import CLIENT_CONFIG


def test_retries_and_timeouts_end_inside_the_function_timeout() -> None:
    options = vars(CLIENT_CONFIG)  # botocore's Config keeps its options as attributes
    attempts = options["retries"]["total_max_attempts"]
    per_attempt = options["connect_timeout"] + options["read_timeout"]
    # botocore's standard mode waits at most 2**(n-1) s (jittered) before retry n.
    backoff = sum(2 ** (retry - 1) for retry in range(1, attempts))
    function_timeout = load_template()["Globals"]["Function"]["Timeout"]

    assert options["retries"]["mode"] == "standard"
    assert attempts * per_attempt + backoff + 2 <= function_timeout  # 2 s left to answer
