"""Settings shared by every test tier.

Fake credentials and a region are set before any client exists, so no test can reach
a real AWS account, and no developer's own AWS profile leaks into a run. The HTTP tier's
own credentials for a stage (tests/support/credentials.py) are resolved first, from the
caller's real environment.
"""

import os
import uuid
from pathlib import Path

import pytest

from devstack.template import load_template
from tests.support.build import build_once
from tests.support.credentials import from_environment

# Before the fakes below replace the caller's AWS credentials: API_SIGV4=1 signs with those.
API_CREDENTIALS = from_environment()

for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["POWERTOOLS_SERVICE_NAME"] = "dynamodb-backend-tests"
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
# As template.yaml sets them in Lambda (and devstack locally): the tables by logical id.
os.environ["SIMPLE_TABLE_NAME"] = "SimpleTable"
os.environ["COMPLEX_TABLE_NAME"] = "ComplexTable"
os.environ["IDEMPOTENCY_TABLE_NAME"] = "IdempotencyTable"
os.environ.pop("RECORD_STATUSES", None)
os.environ.pop("STATUS_INDEX_SHARDS", None)
# The metrics' namespace, as the template sets it.
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = str(
    load_template()["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the HTTP tier runs on one worker: its tests
    share one local API, a session fixture that each worker would otherwise start."""
    if not config.pluginmanager.hasplugin("xdist"):  # -p no:xdist: no such marker to give
        return
    http_tier = Path(__file__).parent / "http"
    for item in items:
        if item.path.is_relative_to(http_tier):
            item.add_marker(pytest.mark.xdist_group("http"))


@pytest.fixture(scope="session")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``.aws-sam/build``, made by this test run's one ``sam build`` (tests/support/build.py)."""
    from devstack.stack import BUILD_DIR

    # An xdist worker knows its run from its controller; a pytest a test starts (which
    # inherits the worker's environment, not its config) is a run of its own.
    worker = getattr(request.config, "workerinput", None)
    base = tmp_path_factory.getbasetemp()
    run = worker["testrunuid"] if worker else uuid.uuid4().hex
    build_once((base.parent if worker else base) / f"sam-build-{run}.done")
    return BUILD_DIR
