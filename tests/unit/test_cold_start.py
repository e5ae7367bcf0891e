"""What a cold start loads: only what every request of that function needs.

Counts and names, never times (``make bench`` measures the times). Each probe is a fresh
interpreter importing one handler, as Lambda's INIT does.
"""

import functools
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from devstack.template import ROOT, api_routes, function_code_dir
from tests.support.lambda_venvs import lambda_python

FUNCTIONS = sorted(set(api_routes().values()))
# The Lambda-like venvs the Makefile makes on Linux: the runtime's pinned boto3 and the newest.
LAMBDA_VENVS = (".venv-lambda", ".venv-lambda-newest") if platform.system() == "Linux" else ()

# Powertools' event_handler package imports every resolver it has when it is imported as a
# whole; a REST API's function needs none of these, nor the asyncio that AppSync pulls in.
NOT_FOR_EVERY_REQUEST = (
    "asyncio",
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.bedrock_agent_function",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.event_handler.http_resolver",
    "aws_lambda_powertools.event_handler.lambda_function_url",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    # Only a request that carries an Idempotency-Key needs these.
    "aws_lambda_powertools.utilities.idempotency",
    "tables_api.idempotency",
    # Only with the Tracing parameter Active (tests/unit/test_tracing.py).
    "aws_xray_sdk",
    "wrapt",
    # boto3 is a layer over botocore the functions do not need: its client is botocore's, made
    # from botocore's session, and item values are (de)serialized by the layer's own codec.
    # Importing it costs its session and, with boto3 1.44 (not 1.40), s3transfer with multiprocessing.
    "boto3",
    "s3transfer",
    "multiprocessing",
    # Only a SnapStart INIT registers runtime hooks.
    "tables_api.snapstart",
    "snapshot_restore_py",
)


def _layer_dependencies(directory: Path) -> Path:
    """The layer's own dependencies (its requirements.txt), linked from this venv into
    ``directory``: with them a Lambda-like interpreter imports the handlers as Lambda does,
    on its own SDK (boto3 and botocore are the runtime's, never the layer's)."""
    site = Path(next(path for path in sys.path if path.endswith("site-packages")))
    names = re.findall(r"^([\w.-]+)==", (ROOT / "layers/dynamo_tables/requirements.txt").read_text(), re.M)
    for name in names:
        top_level = {name.lower().replace("-", "_")}
        for dist in importlib.metadata.distribution(name).files or ():
            if dist.parts[0].endswith((".dist-info", "__pycache__")) or dist.parts[0].startswith(".."):
                continue
            top_level.add(dist.parts[0])
        for entry in top_level:
            if (site / entry).exists() and not (directory / entry).exists():
                (directory / entry).symlink_to(site / entry)
    return directory


DEV_VENV = "dev venv"


@functools.cache
def _python_path(name: str) -> str:
    """What the probe's interpreter needs on its path: the layer, and on a Lambda-like venv
    the layer's own dependencies (the SDK is the venv's)."""
    if name == DEV_VENV:
        return str(ROOT / "layers/dynamo_tables")
    dependencies = _layer_dependencies(Path(tempfile.mkdtemp(prefix="layer-deps-")))
    return f"{ROOT / 'layers/dynamo_tables'}:{dependencies}"


def _loaded_by_import(
    function: str,
    then: str = "",
    interpreter: str | None = None,
    environment: dict[str, str] | None = None,
    before: str = "",
) -> list[str]:
    on_venv = interpreter not in (None, DEV_VENV)
    probe = f"""
import json, runpy, sys
sys.path.insert(0, {str(function_code_dir(function))!r})
{before}
import app
{then}
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run(  # noqa: S603 - a venv of this repository, on the probe above
        [lambda_python(str(interpreter)) if on_venv else sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith("AWS_LAMBDA")},
            "PYTHONPATH": _python_path(interpreter or DEV_VENV),
            "AWS_DEFAULT_REGION": "us-east-1",
            "SIMPLE_TABLE_NAME": "SimpleTable",
            "COMPLEX_TABLE_NAME": "ComplexTable",
            "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
            **(environment or {}),
        },
    )
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("interpreter", [*LAMBDA_VENVS, DEV_VENV])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_cold_start_loads_only_what_every_request_needs(function: str, interpreter: str) -> None:
    loaded = set(_loaded_by_import(function, interpreter=interpreter))

    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded  # the probe saw the handler
    assert sorted(name for name in NOT_FOR_EVERY_REQUEST if name in loaded) == []


def test_the_whole_event_handler_package_still_answers_when_asked() -> None:
    # A name the package re-exports comes from its module alone; any other (here __all__)
    # runs the whole __init__, as importing the package would have.
    loaded = _loaded_by_import(
        "GetItemFunction",
        then="from aws_lambda_powertools.event_handler import AppSyncResolver, Response\n"
        "assert AppSyncResolver.__name__ == 'AppSyncResolver' and Response.__name__ == 'Response'\n"
        "assert 'aws_lambda_powertools.event_handler.bedrock_agent' not in sys.modules\n"
        "import aws_lambda_powertools.event_handler as whole\n"
        "assert 'BedrockAgentResolver' in whole.__all__",
    )

    assert "aws_lambda_powertools.event_handler.appsync" in loaded
    assert "aws_lambda_powertools.event_handler.bedrock_agent" in loaded


LAMBDA_RUNTIME = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
AS_BEFORE = "import gc\ndefault = gc.get_threshold()"  # a fresh interpreter's thresholds


@pytest.mark.parametrize("function", FUNCTIONS)
def test_in_a_lambda_runtime_the_collector_is_paused_for_init_and_running_after_it(function: str) -> None:
    ended = "assert gc.get_threshold() == default and gc.get_freeze_count() > 10_000, gc.get_freeze_count()"
    _loaded_by_import(function, before=AS_BEFORE, then=ended, environment=LAMBDA_RUNTIME)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_collection_runs_once_a_handler_imports_more_than_the_standard_library(function: str) -> None:
    # A handler imports the layer first (Powertools' names it needs come from tables_api), so
    # the pause covers every import of Powertools and botocore and the client built after.
    watch = (
        "import gc\nseen = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append("
        "[name for name in ('aws_lambda_powertools', 'botocore') if name in sys.modules]))"
    )
    during = "gc.callbacks.clear()\nassert all(loaded == [] for loaded in seen), seen"
    _loaded_by_import(function, before=watch, then=during, environment=LAMBDA_RUNTIME)


def test_elsewhere_importing_the_layer_leaves_the_collector_alone() -> None:
    untouched = "assert gc.get_threshold() == default and gc.get_freeze_count() == 0, gc.get_freeze_count()"
    _loaded_by_import("GetItemFunction", before=AS_BEFORE, then=untouched)
    _loaded_by_import(  # make bench's way to measure INIT without the pause
        "GetItemFunction",
        before=AS_BEFORE,
        then=untouched,
        environment={**LAMBDA_RUNTIME, "COLD_START_GC_PAUSE": "off"},
    )


def test_a_process_that_never_ends_the_pause_still_collects_its_garbage() -> None:
    # A function of the user's own that imports a module of the package and builds no table
    # class nor answers through the layer: the pause never ends, and garbage is still collected.
    cycles = (
        "import gc\nimport dynamo_tables.errors\n"
        "from dynamo_tables.init_pause import INIT_THRESHOLD\n"
        "assert gc.isenabled() and gc.get_threshold()[0] == INIT_THRESHOLD\n"
        "passes = []\ngc.callbacks.append(lambda phase, info: phase == 'stop' and passes.append(info))\n"
        "for _ in range(3 * INIT_THRESHOLD):\n    cycle = []\n    cycle.append(cycle)\n"
        "assert sum(found['collected'] for found in passes) >= 2 * INIT_THRESHOLD, passes[:3]"
    )
    _in_a_lambda_runtime(cycles)


def test_a_first_request_ends_a_pause_no_table_class_ended() -> None:
    # A handler of the user's own, that builds no table class at module scope.
    first_request = (
        "import gc\nimport dynamo_tables\nfrom tables_api import create_app\n"
        "from dynamo_tables.init_pause import INIT_THRESHOLD\n"
        "assert gc.get_threshold()[0] == INIT_THRESHOLD\n"
        "create_app().resolve({'httpMethod': 'GET', 'path': '/nowhere', 'resource': '/nowhere'}, None)\n"
        "assert gc.get_threshold()[0] < INIT_THRESHOLD and gc.get_freeze_count() > 0, gc.get_freeze_count()"
    )
    _in_a_lambda_runtime(first_request)


def _in_a_lambda_runtime(probe: str) -> None:
    """Run ``probe`` in a fresh interpreter that takes itself for a Lambda runtime's, with no handler."""
    subprocess.run(  # noqa: S603 - this interpreter, on the probe given
        [sys.executable, "-c", probe],
        cwd=ROOT,
        check=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT / "layers/dynamo_tables"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
            **LAMBDA_RUNTIME,
        },
    )
