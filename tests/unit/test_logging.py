"""At INFO, logs name what happened but hold no item values and no request bodies."""

import io

from tests.support.events import load_event
from tests.unit.conftest import Invoke, stubbed_table

SECRET = "s3cr3t-value-7f1c"


def test_no_value_or_body_reaches_the_logs(dynamodb: object, info_logs: io.StringIO, invoke: Invoke) -> None:
    # Given requests that carry a secret in their bodies and keys, ending every way
    invoke(load_event("put_item", body={"value": SECRET}))
    invoke(load_event("put_record", body={"status": "green", "data": {"card": SECRET}}))
    invoke(load_event("put_item", raw_body='{"value": "' + SECRET))
    invoke(load_event("get_item", path_parameters={"key": SECRET}))
    with stubbed_table("PutItemFunction") as stubber:
        stubber.add_client_error("update_item", "ThrottlingException", http_status_code=400)
        stubber.add_client_error(
            "update_item", "ValidationException", "One or more parameter values were invalid"
        )
        throttled = invoke(load_event("put_item", body={"value": SECRET}))
        failed = invoke(load_event("put_item", body={"value": SECRET}))

    # Then the logs tell the faults (so logging works) but never the secret
    logs = info_logs.getvalue()
    assert (throttled["statusCode"], failed["statusCode"]) == (503, 500)
    assert "DynamoDB unavailable" in logs
    assert "unhandled error" in logs
    assert SECRET not in logs
