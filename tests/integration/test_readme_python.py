"""The README's Python examples run as written, against DynamoDB Local.

Only the endpoint changes (the README uses ``make start``'s port 8000); each block's own
``assert`` lines say what it must do.
"""

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.template import ROOT
from dynamo_tables import DynamoGeneralClass

README_ENDPOINT = "http://localhost:8000"
SECTIONS = ("## The layer, as the seed uses it", "### Your own table class")
# The tables the examples create; dropped before and after, so each run starts clean.
EXAMPLE_TABLES = ("SimpleSchemaTableName", "ComplexSchemaTableName", "Domain", "Log")


def python_blocks(heading: str) -> list[str]:
    """The ```python blocks under a README heading, up to the next heading of any level."""
    text = (ROOT / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


@pytest.fixture
def clean_example_tables(client: Any) -> Iterator[None]:
    def drop() -> None:
        for name in EXAMPLE_TABLES:
            with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                client.delete_table(TableName=name)

    drop()
    yield
    drop()


def test_each_section_has_its_example() -> None:
    assert [len(python_blocks(heading)) for heading in SECTIONS] == [1, 1]


@pytest.mark.parametrize("heading", SECTIONS)
def test_each_readme_example_runs_on_its_own(
    aws_conf: dict[str, str], clean_example_tables: None, heading: str
) -> None:
    (block,) = python_blocks(heading)
    assert README_ENDPOINT in block  # the one thing changed: where DynamoDB Local listens

    namespace: dict[str, Any] = {}
    code = block.replace(README_ENDPOINT, aws_conf["endpoint_url"])
    exec(compile(code, f"README.md: {heading}", "exec"), namespace)  # noqa: S102 - the README's own code

    # Beyond the block's own asserts: it did what it says, to the tables it names.
    tables = [value for value in namespace.values() if isinstance(value, DynamoGeneralClass)]
    assert tables
    assert all(table.dynamodb.meta.endpoint_url == aws_conf["endpoint_url"] for table in tables)
