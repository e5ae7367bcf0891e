"""The sandboxes hold what Lambda's python3.13 runtime holds, plus the layer and the
function: a handler that imports anything else fails locally as it would deployed."""

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

from devstack.runtime import EmulatedRuntime, RuntimePool, emulator_binary
from devstack.stack import LocalStack
from devstack.template import ROOT

IMPORTS_REQUESTS = """\
import requests  # in the development venv; not in the layer, not in Lambda's runtime


def lambda_handler(event, context):
    return {"statusCode": 200, "body": requests.__version__}
"""

LISTS_DISTRIBUTIONS = """\
import importlib.metadata
import sys


def lambda_handler(event, context):
    names = {dist.metadata["Name"] for dist in importlib.metadata.distributions()}
    return {"prefix": sys.prefix, "distributions": sorted(name.lower().replace("_", "-") for name in names)}
"""


def _invoke_code(stack: LocalStack, tmp_path: Path, source: str) -> Any:
    """Run ``source`` as a function's app.py in a sandbox, with the layer, as GetItemFunction runs."""
    code = tmp_path / "function"
    code.mkdir()
    (code / "app.py").write_text(source)
    spec = dataclasses.replace(stack.specs["GetItemFunction"], logical_id="Probe", code_dir=code)
    emulator = emulator_binary()
    assert emulator is not None
    runtime = EmulatedRuntime(spec, emulator, lambda *_: None)
    runtime.start()
    try:
        return json.loads(runtime.invoke(b"{}"))
    finally:
        runtime.stop()


def _locked_names(path: Path) -> set[str]:
    names = re.findall(r"^([A-Za-z0-9_.-]+)==", path.read_text(), re.MULTILINE)
    return {name.lower().replace("_", "-") for name in names}


def test_a_package_neither_the_layer_nor_the_runtime_has_fails_as_in_lambda(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    answer = _invoke_code(local_stack, tmp_path, IMPORTS_REQUESTS)

    assert answer["errorType"] == "Runtime.ImportModuleError"
    assert "requests" in answer["errorMessage"]


def test_a_sandbox_sees_only_the_runtime_packages_and_the_layer(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    runtime = _locked_names(ROOT / "requirements" / "lambda-runtime.lock")
    layer = _locked_names(ROOT / "layers" / "dynamo_tables" / "requirements.txt")

    answer = _invoke_code(local_stack, tmp_path, LISTS_DISTRIBUTIONS)
    seen = set(answer["distributions"])

    assert Path(answer["prefix"]) == ROOT / ".venv-lambda"
    assert {"boto3", "botocore", "awslambdaric", "aws-lambda-powertools"} <= seen
    assert seen == runtime | layer


SLOW_ONCE = """\
import pathlib
import time


def lambda_handler(event, context):
    first = pathlib.Path(__file__).with_name("called-once")
    if not first.exists():
        first.touch()
        time.sleep(30)  # past the function's timeout, on the very first call only
    return {"statusCode": 200, "body": "served"}
"""


def test_a_timed_out_sandbox_is_replaced_as_lambda_replaces_it(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    # Given a function whose first invocation in a sandbox runs past its timeout
    code = tmp_path / "function"
    code.mkdir()
    (code / "app.py").write_text(SLOW_ONCE)
    spec = dataclasses.replace(
        local_stack.specs["GetItemFunction"], logical_id="Slow", code_dir=code, timeout=1
    )
    emulator = emulator_binary()
    assert emulator is not None
    pool = RuntimePool(lambda: EmulatedRuntime(spec, emulator, lambda *_: None), size=1)
    try:
        # When it times out
        timed_out = json.loads(pool.invoke(b"{}"))
        started = time.monotonic()
        # Then Lambda's error payload comes back, and the next request gets a fresh sandbox
        again = json.loads(pool.invoke(b"{}"))
    finally:
        pool.close()

    assert timed_out["errorType"] == "Sandbox.Timedout"
    assert "timed out" in timed_out["errorMessage"]
    assert again == {"statusCode": 200, "body": "served"}
    assert time.monotonic() - started < 10  # not the stuck sandbox, still sleeping


LOADS_A_HANDLER = """\
import os
import sys

import app  # GetItemFunction's, beside this file


def lambda_handler(event, context):
    root = os.environ["LAYER_DIR"]
    layer = [m for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(root)]
    compiled = []
    for module in layer:
        cached = getattr(module, "__cached__", None)
        if cached and os.path.isfile(cached):
            with open(cached, "rb") as pyc:
                header = pyc.read(8)
            # PEP 552 flags: 0b01 is hash-based and never checked against the source.
            compiled.append(int.from_bytes(header[4:8], "little") == 0b01)
        else:
            compiled.append(False)
    return {"layer_modules": len(layer), "from_unchecked_bytecode": sum(compiled)}
"""


def test_the_layer_ships_bytecode_for_the_runtime_python(local_stack: LocalStack, tmp_path: Path) -> None:
    # Lambda mounts /opt read-only: a module without bytecode is compiled on every cold start.
    spec = local_stack.specs["GetItemFunction"]
    code = tmp_path / "function"
    code.mkdir()
    (code / "app.py").write_text((spec.code_dir / "app.py").read_text())
    (code / "probe.py").write_text(LOADS_A_HANDLER)
    layer_dir = str(spec.layer_dirs[0])
    probe = dataclasses.replace(
        spec,
        logical_id="Probe",
        code_dir=code,
        handler="probe.lambda_handler",
        environment={**spec.environment, "LAYER_DIR": layer_dir},
    )
    emulator = emulator_binary()
    assert emulator is not None
    runtime = EmulatedRuntime(probe, emulator, lambda *_: None)
    runtime.start()
    try:
        answer = json.loads(runtime.invoke(b"{}"))
    finally:
        runtime.stop()

    assert answer["layer_modules"] > 50  # Powertools' and the layer's own
    assert answer["from_unchecked_bytecode"] == answer["layer_modules"]
