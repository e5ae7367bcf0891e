"""A write whose answer was lost after DynamoDB applied it is answered as if the answer had
arrived: no 412 for one's own write, no second version, no 404 for one's own delete.

Against DynamoDB Local, with the fault at the wire (tests/support/faults.py): the first
answer to each write is dropped and botocore's standard retry sends the write again.
"""

from typing import Any

import boto3
import pytest

from dynamo_tables import CLIENT_CONFIG, ComplexTableClass, Precondition, SimpleTableClass
from tests.support.faults import LoseFirstAnswers

CREATE_ONLY = Precondition(must_not_exist=True)
AT_VERSION_1 = Precondition(versions=(1,))


@pytest.fixture
def lossy(aws_conf: dict[str, str]) -> tuple[Any, LoseFirstAnswers]:
    """A client like the functions' (standard retries), whose first write answers are lost."""
    client = boto3.client(
        "dynamodb",
        config=CLIENT_CONFIG,
        endpoint_url=aws_conf["endpoint_url"],
        region_name=aws_conf["region_name"],
        aws_access_key_id=aws_conf["aws_access_key_id"],
        aws_secret_access_key=aws_conf["aws_secret_access_key"],
    )
    return client, LoseFirstAnswers(client)


@pytest.fixture
def tables(client: Any, lossy: tuple[Any, LoseFirstAnswers], table_names: dict[str, str]) -> dict[str, Any]:
    lossy_client, _ = lossy
    return {
        "items": SimpleTableClass(client=client, table_name=table_names["SimpleTable"]),
        "records": ComplexTableClass(client=client, table_name=table_names["ComplexTable"]),
        "lossy items": SimpleTableClass(client=lossy_client, table_name=table_names["SimpleTable"]),
        "lossy records": ComplexTableClass(client=lossy_client, table_name=table_names["ComplexTable"]),
    }


def _lost_one(lossy: tuple[Any, LoseFirstAnswers]) -> None:
    _, faults = lossy
    assert len(faults.lost) == 1, faults.lost  # the fault happened: one answer lost, one retry


# --- items ---------------------------------------------------------------------------


@pytest.mark.parametrize("exists", [False, True], ids=["creating", "replacing"])
def test_put_item(tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers], exists: bool) -> None:
    if exists:
        tables["items"].put_value("http://example.com/video", "before")

    item, created = tables["lossy items"].put_value("http://example.com/video", "after")

    _lost_one(lossy)
    assert (item.value, created) == ("after", not exists)
    assert tables["items"].get_value("http://example.com/video").value == "after"


def test_delete_item(tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers]) -> None:
    tables["items"].put_value("k", "v")

    tables["lossy items"].delete_value("k")  # not NotFound: the first attempt deleted it

    _lost_one(lossy)
    assert not tables["items"].exists("k")


# --- records -------------------------------------------------------------------------


@pytest.mark.parametrize("precondition", [Precondition(), CREATE_ONLY], ids=["unconditional", "create-only"])
def test_put_record_creating(
    tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers], precondition: Precondition
) -> None:
    record, created = tables["lossy records"].put_record("r", "green", {"n": 1}, precondition)

    _lost_one(lossy)
    assert (record.version, created, record.data) == (1, True, {"n": 1})
    assert tables["records"].get_record("r").version == 1


@pytest.mark.parametrize("precondition", [Precondition(), AT_VERSION_1], ids=["unconditional", "if-match"])
def test_put_record_replacing(
    tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers], precondition: Precondition
) -> None:
    tables["records"].put_record("r", "green")

    record, created = tables["lossy records"].put_record("r", "red", None, precondition)

    _lost_one(lossy)
    assert (record.version, created, record.status) == (2, False, "red")
    assert tables["records"].get_record("r").version == 2


@pytest.mark.parametrize("precondition", [Precondition(), AT_VERSION_1], ids=["unconditional", "if-match"])
def test_patch_record(
    tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers], precondition: Precondition
) -> None:
    tables["records"].put_record("r", "green", {"kept": True})

    record = tables["lossy records"].set_status("r", "red", precondition)

    _lost_one(lossy)
    assert (record.version, record.status, record.data) == (2, "red", {"kept": True})
    assert tables["records"].get_record("r").version == 2


@pytest.mark.parametrize("precondition", [Precondition(), AT_VERSION_1], ids=["unconditional", "if-match"])
def test_delete_record(
    tables: dict[str, Any], lossy: tuple[Any, LoseFirstAnswers], precondition: Precondition
) -> None:
    tables["records"].put_record("r", "green")

    tables["lossy records"].delete_record("r", precondition)  # not NotFound, not VersionConflict

    _lost_one(lossy)
    assert not tables["records"].exists("r")
