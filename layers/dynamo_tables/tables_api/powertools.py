"""Every use of a name Powertools does not publish, in one place.

Each is pinned by ``tests/unit/test_powertools_adapter.py``, which fails naming what moved
when a Powertools release changes it. Everything else in this package uses Powertools'
public API; its event-handler names are imported from here, after the deferral below.

1. ``defer_package_init`` (``lean_imports.py``) relies on the ``__init__`` of
   ``aws_lambda_powertools.event_handler`` and ``...utilities.data_classes`` being
   re-exports of their submodules: a cold start then loads the REST resolver and the event
   classes it reads, not every resolver and event class Powertools has.
2. ``idempotency_store`` overrides ``_put_record``, the hook Powertools' persistence layers
   implement (its documentation shows subclassing them), to recognise its own in-progress
   record after botocore's retry of a lost answer, and to tell until when another run's
   record holds the key.
"""

from typing import TYPE_CHECKING

from tables_api.lean_imports import defer_package_init

defer_package_init("aws_lambda_powertools.event_handler")
defer_package_init("aws_lambda_powertools.utilities.data_classes")

from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402
    APIGatewayRestResolver,
    CORSConfig,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402

if TYPE_CHECKING:  # at run time, importing these would load more than a cold start needs
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["APIGatewayRestResolver", "CORSConfig", "NotFoundError", "Response", "idempotency_store"]


def idempotency_store(table_name: str, client: "DynamoDBClient") -> "DynamoDBPersistenceLayer":
    """Powertools' DynamoDB store for ``Idempotency-Key``, recognising its own record.

    Saving the in-progress record is a conditional PutItem. When botocore retries it after
    a lost answer, the retry meets the record its first attempt wrote, which Powertools
    takes for another request in flight: a 409 for the request itself. A record with this
    attempt's own in-progress deadline (to the millisecond) and payload is its own. (Were a
    duplicate to share both, the two would run one write with one derived token, once.)
    Imported only when a request carries the header.
    """
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
        STATUS_CONSTANTS,
        DataRecord,
    )

    class OwnRecordStore(DynamoDBPersistenceLayer):
        # The in-progress deadline (epoch ms) of the record another run holds, when saving
        # this run's met one: Powertools' in-progress error does not carry it.
        held_until_ms: int | None = None

        def _put_record(self, data_record: DataRecord) -> None:
            self.held_until_ms = None
            try:
                super()._put_record(data_record)
            except IdempotencyItemAlreadyExistsError as err:
                found = err.old_data_record
                in_progress = found is not None and found.status == STATUS_CONSTANTS["INPROGRESS"]
                if not (
                    in_progress
                    and found is not None
                    and found.in_progress_expiry_timestamp == data_record.in_progress_expiry_timestamp
                    and found.payload_hash == data_record.payload_hash
                ):
                    if in_progress and found is not None:
                        self.held_until_ms = found.in_progress_expiry_timestamp
                    raise

    return OwnRecordStore(table_name=table_name, boto3_client=client)
