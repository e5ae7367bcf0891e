"""The template with ``StatusIndexShards`` off and on, as CloudFormation receives it."""

import pytest

from tests.support.translate import expand, resources


@pytest.mark.parametrize("shards", ["0", "8"])
def test_the_template_expands_both_ways(shards: str) -> None:
    # aws-sam-translator turns it into what CloudFormation receives, conditions kept.
    expanded = expand(StatusIndexShards=shards)

    assert "ComplexTable" in resources(expanded, "AWS::DynamoDB::Table")
