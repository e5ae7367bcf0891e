"""What a cold start sets up besides each handler's app: done once per process."""

import functools
import os


@functools.cache
def prepare_runtime() -> None:
    """X-Ray tracing when the template's ``Tracing`` parameter is Active, and the SnapStart
    hooks on a SnapStart INIT; neither is even imported otherwise.

    With tracing on, the X-Ray SDK patches botocore so each DynamoDB call is a subsegment.
    """
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() == "false":
        from aws_lambda_powertools import Tracer

        Tracer(patch_modules=["botocore"])
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":  # Lambda's SnapStart INIT
        from dynamo_tables import default_client
        from tables_api.snapstart import register_hooks

        register_hooks(default_client())
