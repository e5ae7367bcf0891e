"""Cost per million requests from the measured units and durations, at list prices.

Prices: US East (N. Virginia) list prices, on demand, as AWS's pricing pages give them
in 2026; check them for your region before deciding anything on these figures.
"""

from dataclasses import dataclass

API_GATEWAY_REST_PER_MILLION = 3.50  # REST API, first 333 million requests a month
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
DYNAMODB_WRITE_PER_MILLION = 0.625  # on-demand write request units
DYNAMODB_READ_PER_MILLION = 0.125  # on-demand read request units
SNAPSTART_CACHE_PER_GB_SECOND = 0.0000015046
SNAPSTART_RESTORE_PER_GB = 0.0001397998


@dataclass(frozen=True)
class Cost:
    """Dollars per million requests, by line item."""

    api_gateway: float
    lambda_requests: float
    lambda_duration: float
    dynamodb: float

    @property
    def total(self) -> float:
        return self.api_gateway + self.lambda_requests + self.lambda_duration + self.dynamodb


def per_million(duration_ms: float, memory_mb: int, read_units: float, write_units: float) -> Cost:
    """One million requests of one kind; Lambda bills duration by the millisecond, rounded up."""
    billed_ms = max(1, -(-duration_ms // 1))
    return Cost(
        api_gateway=API_GATEWAY_REST_PER_MILLION,
        lambda_requests=LAMBDA_REQUESTS_PER_MILLION,
        lambda_duration=1_000_000 * memory_mb / 1024 * billed_ms / 1000 * LAMBDA_ARM_PER_GB_SECOND,
        dynamodb=read_units * DYNAMODB_READ_PER_MILLION + write_units * DYNAMODB_WRITE_PER_MILLION,
    )
