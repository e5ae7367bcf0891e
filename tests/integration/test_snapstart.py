"""SnapStart's runtime hooks, run by the runtime interface client's own hook runner.

AWS's runtime emulator has no snapshot API (``/runtime/restore/next`` answers 404), so the
probe plays the runtime's part on the Lambda-like venv: INIT with Lambda's SnapStart
marker set, then ``awslambdaric``'s ``run_before_snapshot`` and ``run_after_restore``,
as its bootstrap calls them, then a request.
"""

import json
import os
import subprocess

from devstack.runtime import LAMBDA_PYTHON
from devstack.stack import LocalStack

PROBE = """
import json, random, sys, types
import app
from awslambdaric import lambda_runtime_hooks_runner as hooks
from dynamo_tables import default_client

calls = []
default_client().meta.events.register("after-call.dynamodb", lambda model, **_: calls.append(model.name))
hooks.run_before_snapshot()
primed = list(calls)
state = random.getstate()
hooks.run_after_restore()
reseeded = random.getstate() != state
answer = None
if len(sys.argv) > 1:
    event = json.loads(sys.argv[1])
    context = types.SimpleNamespace(
        function_name="Probe", memory_limit_in_mb=512, aws_request_id="probe",
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:Probe",
    )
    answer = app.lambda_handler(event, context)["statusCode"]
print(json.dumps({"primed": primed, "reseeded": reseeded, "answer": answer}))
"""


def _snapstart_probe(
    stack: LocalStack, endpoint: str, event: dict[str, object] | None = None
) -> dict[str, object]:
    spec = stack.specs["GetItemFunction"]
    result = subprocess.run(  # noqa: S603 - the Lambda-like interpreter, on the probe above
        [str(LAMBDA_PYTHON), "-c", PROBE, *([json.dumps(event)] if event else [])],
        cwd=spec.code_dir,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(spec.python_path()),
            **spec.environment,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",  # what Lambda sets for a SnapStart INIT
        },
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return answer


def test_before_the_snapshot_the_client_is_primed_without_sending_anything(local_stack: LocalStack) -> None:
    # Nothing listens on port 9: a request actually sent would fail the hook, and INIT with it.
    answer = _snapstart_probe(local_stack, "http://127.0.0.1:9")

    assert answer["primed"] == ["GetItem"]


def test_after_restore_random_is_reseeded_and_requests_are_served(local_stack: LocalStack) -> None:
    from tests.support.events import load_event

    answer = _snapstart_probe(local_stack, local_stack.endpoint_url, load_event("get_item_missing_404"))

    assert answer["reseeded"] is True
    assert answer["answer"] == 404
