"""``make start`` and ``make invoke`` as a user runs them: ``python -m devstack``."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.dynamodb_local import DynamoDBLocal, free_port
from devstack.stack import LocalStack, dynamodb_client
from devstack.template import ROOT
from tests.support.processes import alive, descendants, interrupt, start_devstack, wait_until_serving


@pytest.mark.parametrize(
    ("signum", "as_background_job"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-to-a-background-job", "sigterm"],
)
def test_stopping_leaves_no_process_behind(
    local_stack: LocalStack, signum: int, as_background_job: bool, tmp_path: Path
) -> None:
    port = free_port()
    log = (tmp_path / "devstack.log").open("w")
    process = start_devstack(
        "--port",
        str(port),
        "--ddb-port",
        str(free_port()),
        "--in-memory",
        "--no-build",
        log=log,
        as_background_job=as_background_job,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        started = descendants(process.pid)
        assert len(started) > 2  # DynamoDB Local, emulators and their runtimes

        if signum == signal.SIGINT:
            interrupt(process)
        else:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

        assert process.returncode == 0
        deadline = time.monotonic() + 5
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(started)
    finally:
        if process.poll() is None:
            interrupt(process, signal.SIGKILL)
        log.close()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_taken_port_is_a_one_line_error(built: Path, taken_port: int) -> None:
    process = start_devstack("--port", str(taken_port), "--ddb-port", str(free_port()), "--no-build")
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 1
    assert stderr.strip() == f"error: port {taken_port} is already in use: set PORT to a free port"


def test_a_taken_dynamodb_port_is_a_one_line_error(local_stack: LocalStack, taken_port: int) -> None:
    process = start_devstack("--port", str(free_port()), "--ddb-port", str(taken_port), "--no-build")
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        f"error: port {taken_port} is in use by something else: set DDB_PORT to a free port"
    )


def devstack(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m devstack ...`` to its end, as a user runs it."""
    return subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, "-m", "devstack", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("runner", ["emulator", "in-process"])
def test_invoke_prints_the_response_and_the_report(
    local_stack: LocalStack, dynamodb_local: DynamoDBLocal, runner: str
) -> None:
    result = devstack(
        *("invoke", "GetItemFunction", "events/get_item_missing_404.json"),
        *("--ddb-port", str(dynamodb_local.port), "--no-build"),
        *(["--in-process"] if runner == "in-process" else []),
    )

    assert result.returncode == 0, result.stderr
    response_text, _, reports = result.stdout.rpartition("}\n")
    assert json.loads(response_text + "}")["statusCode"] == 404
    init_report, report = reports.strip().splitlines()
    assert init_report.startswith("INIT REPORT")
    assert report.startswith("REPORT")
    assert "Duration:" in report


def test_invoke_names_an_unknown_function(local_stack: LocalStack, dynamodb_local: DynamoDBLocal) -> None:
    result = devstack(
        "invoke",
        "NoSuchFunction",
        "events/get_item.json",
        "--ddb-port",
        str(dynamodb_local.port),
        "--no-build",
    )

    assert result.returncode == 1
    assert "error: no function 'NoSuchFunction' in template.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_survives_a_restart_and_existing_tables_are_kept(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    # Given a stack keeping its data on disk, with one item written
    first = LocalStack(ddb_port=free_port(), data_dir=tmp_path, build=False).start(serve=False)
    try:
        dynamodb_client(first.endpoint_url).put_item(
            TableName="SimpleTable", Item={"IndexKey": {"S": "kept"}, "Value": {"S": "v"}}
        )
    finally:
        first.stop()

    # When it starts again on the same folder
    second = LocalStack(ddb_port=free_port(), data_dir=tmp_path, build=False).start(serve=False)
    try:
        item = dynamodb_client(second.endpoint_url).get_item(
            TableName="SimpleTable", Key={"IndexKey": {"S": "kept"}}
        )
    finally:
        second.stop()

    # Then the table was left as it was, item and all
    assert item["Item"]["Value"] == {"S": "v"}


def test_a_missing_java_is_a_one_line_error(local_stack: LocalStack) -> None:
    without_java = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    result = devstack(
        *("start", "--in-memory", "--no-build", "--port", str(free_port()), "--ddb-port", str(free_port())),
        env=without_java,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Java 17+ is missing: run `make deps` (installs openjdk-17-jre-headless)"
    )
