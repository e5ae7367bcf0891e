"""The in-process fallback (hosts without the runtime emulator, such as macOS): concurrent
requests must not see each other's events, as separate Lambda sandboxes never do."""

import dataclasses
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest

from devstack.dynamodb_local import DynamoDBLocal
from devstack.runtime import InProcessRuntime, RuntimePool
from devstack.stack import LocalStack
from dynamo_tables import default_client
from tests.support.events import load_event


@pytest.fixture
def in_process_stack(local_stack: LocalStack, dynamodb_local: DynamoDBLocal) -> Iterator[LocalStack]:
    """Handlers imported into this process, on the build the emulated stack made."""
    # The runtimes set the functions' environment in this process: put it back afterwards.
    with mock.patch.dict(os.environ):
        stack = LocalStack(
            ddb_port=dynamodb_local.port,
            data_dir=None,
            pool_size=4,
            in_process=True,
            build=False,
            log_sink=lambda *_: None,
        )
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
            default_client.cache_clear()  # built for DynamoDB Local by the imported handlers


READS_AFTER_WAITING = """\
import time

from tables_api import create_app, json_response

app = create_app()


@app.get("/items/<key>")
def item(key):
    time.sleep(0.01)  # any I/O lets another request's thread run here
    return json_response({"key": key, "path": app.current_event.path})


def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def test_concurrent_requests_keep_their_own_events(in_process_stack: LocalStack, tmp_path: Path) -> None:
    # Given a handler that reads its event after waiting, as one after a DynamoDB call does
    code = tmp_path / "function"
    code.mkdir()
    (code / "app.py").write_text(READS_AFTER_WAITING)
    spec = dataclasses.replace(in_process_stack.specs["GetItemFunction"], logical_id="Waits", code_dir=code)
    pool = RuntimePool(lambda: InProcessRuntime(spec, lambda *_: None), size=4)

    def get(number: int) -> dict[str, str]:
        event = load_event("get_item", path_parameters={"key": f"k{number}"})
        event["path"] = f"/items/k{number}"
        answer: dict[str, str] = json.loads(json.loads(pool.invoke(json.dumps(event).encode()))["body"])
        return answer

    # When requests run side by side
    with ThreadPoolExecutor(max_workers=8) as workers:
        answers = list(workers.map(get, range(40)))
    pool.close()

    # Then each sees only its own event
    assert answers == [{"key": f"k{n}", "path": f"/items/k{n}"} for n in range(40)]
