"""The SDK gives up before Lambda does, so DynamoDB trouble is a 503, never a timeout."""

from devstack.template import load_template
from dynamo_tables.client import ATTEMPT_SECONDS, CLIENT_CONFIG
from tables_api.app import request_seconds


def test_retries_and_timeouts_end_inside_the_function_timeout() -> None:
    options = vars(CLIENT_CONFIG)  # botocore's Config keeps its options as attributes
    attempts = options["retries"]["total_max_attempts"]
    per_attempt = options["connect_timeout"] + options["read_timeout"]
    # botocore's standard mode waits at most 2**(n-1) s (jittered) before retry n.
    backoff = sum(2 ** (retry - 1) for retry in range(1, attempts))
    function_timeout = load_template()["Globals"]["Function"]["Timeout"]

    assert options["retries"]["mode"] == "standard"
    assert attempts * per_attempt + backoff + 2 <= function_timeout  # 2 s left to answer


def test_no_attempt_starts_that_its_timeouts_could_end_past_the_request_deadline() -> None:
    """The deadline's check counts both timeouts an attempt may wait (deadline.py), and the
    request's deadline leaves the longest back-off and an answer before the function's timeout."""
    options = vars(CLIENT_CONFIG)
    function_timeout = load_template()["Globals"]["Function"]["Timeout"]
    longest_backoff = 2 ** (options["retries"]["total_max_attempts"] - 2)

    assert options["connect_timeout"] + options["read_timeout"] == ATTEMPT_SECONDS
    assert request_seconds(Remaining(function_timeout)) + longest_backoff + 1 <= function_timeout


class Remaining:
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return self.seconds * 1000
