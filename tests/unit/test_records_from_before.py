"""Records the seed's own ``put`` wrote (or an earlier version of this API): no ``Version``,
no write tokens. Such a record is version 0, its ``ETag`` is ``"0"``, and a precondition
naming 0 holds for it, and only for it, as for any other version."""

import pytest

from dynamo_tables import GREEN, RED, ComplexTableClass, NotFound, VersionConflict
from dynamo_tables.models import Precondition
from dynamo_tables.records import RECORD_VERSION, utc_timestamp
from dynamo_tables.reshard import item_update
from dynamo_tables.schema import COMPLEX_SCHEMA_KEY_THREE, COMPLEX_SCHEMA_KEY_TWO

ID = "http://example.com/video"  # the seed's kind of key


@pytest.fixture(params=["as the seed wrote it", "stamped by a re-shard's backfill"])
def from_before(records: ComplexTableClass, request: pytest.FixtureRequest) -> ComplexTableClass:
    records.put(ID, {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})  # the seed's put: the item as given
    if request.param.startswith("stamped"):  # Version 0 written out, as make reshard does
        # (to one with a time: to one without, it gives a time and the next version)
        records.put(
            ID, {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}, COMPLEX_SCHEMA_KEY_THREE: {"S": "2024-05-01-10-30"}}
        )
        (item,) = records.dynamodb.scan(TableName=records.table_name)["Items"]
        update = item_update(item, 0, utc_timestamp())
        assert update is not None
        records.dynamodb.update_item(TableName=records.table_name, **update)
        assert records.get(ID)["Item"][RECORD_VERSION] == {"N": "0"}
    return records


def test_a_record_from_before_is_version_0(from_before: ComplexTableClass) -> None:
    assert from_before.get_record(ID).version == 0


def test_if_match_its_version_0_writes_once(from_before: ComplexTableClass) -> None:
    record, created = from_before.put_record(ID, RED, precondition=Precondition(versions=(0,)))

    assert (record.version, created) == (1, False)
    with pytest.raises(VersionConflict):
        from_before.put_record(ID, GREEN, precondition=Precondition(versions=(0,)))
    with pytest.raises(VersionConflict):
        from_before.set_status(ID, GREEN, precondition=Precondition(versions=(0, 7)))
    assert from_before.set_status(ID, GREEN, precondition=Precondition(versions=(0, 1))).version == 2


def test_if_match_0_patches_and_deletes_it(from_before: ComplexTableClass) -> None:
    assert from_before.set_status(ID, RED, precondition=Precondition(versions=(0,))).version == 1
    from_before.put(ID, {COMPLEX_SCHEMA_KEY_TWO: {"S": GREEN}})  # written by the seed again

    from_before.delete_record(ID, precondition=Precondition(versions=(0,)))

    assert from_before.get(ID).get("Item") is None


def test_if_none_match_0_refuses_it_and_a_missing_record_is_no_version_0(
    from_before: ComplexTableClass,
) -> None:
    with pytest.raises(VersionConflict):
        from_before.put_record(ID, RED, precondition=Precondition(none_match_versions=(0,)))
    with pytest.raises(VersionConflict):
        from_before.put_record(ID, RED, precondition=Precondition(none_match_versions=(0, 5)))
    assert (
        from_before.put_record(ID, RED, precondition=Precondition(none_match_versions=(5,)))[0].version == 1
    )

    record, created = from_before.put_record("new", RED, precondition=Precondition(none_match_versions=(0,)))
    assert (record.version, created) == (1, True)
    with pytest.raises(NotFound):  # 0 is the version of a record that is there
        from_before.set_status("absent", RED, precondition=Precondition(versions=(0,)))
