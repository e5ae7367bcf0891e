"""X-Ray by the Tracing parameter: off, nothing of the SDK is loaded; on, each DynamoDB call
is a subsegment of the function's trace. Each case is a fresh interpreter importing a real
handler, as Lambda's INIT does, with the real X-Ray SDK; only its UDP emitter is swapped for
a list."""

import json
import os
import subprocess
import sys

from devstack.template import ROOT, function_code_dir

PROBE = """
import json, sys
sys.path.insert(0, {code!r})
from botocore.awsrequest import AWSResponse
import app

class _NoItem:  # DynamoDB's answer to a GetItem of a missing key, given in memory
    def stream(self, **_):
        yield b"{{}}"

app.items.dynamodb.meta.events.register(
    "before-send.dynamodb.GetItem", lambda request, **_: AWSResponse(request.url, 200, {{}}, _NoItem())
)
sent = []
loaded = "aws_xray_sdk" in sys.modules
if loaded:
    from aws_xray_sdk.core import xray_recorder
    xray_recorder.emitter.send_entity = lambda entity: sent.append(entity.to_dict())
event = json.load(open({event!r}))
from tests.support.lambda_context import FakeLambdaContext
status = app.lambda_handler(event, FakeLambdaContext())["statusCode"]
subsegments = [s for entity in sent for s in [entity, *entity.get("subsegments", [])]]
print(json.dumps({{"loaded": loaded, "status": status,
                  "dynamodb": [(s["name"], s.get("aws", {{}}).get("operation")) for s in subsegments
                               if s.get("namespace") == "aws"]}}))
"""


def _probe(trace_disabled: str) -> dict[str, object]:
    code = function_code_dir("GetItemFunction")
    result = subprocess.run(  # noqa: S603 - this interpreter, on the probe above
        [
            sys.executable,
            "-c",
            PROBE.format(code=str(code), event=str(ROOT / "events/get_item_missing_404.json")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/dynamo_tables"), str(ROOT)]),
            "POWERTOOLS_TRACE_DISABLED": trace_disabled,
            # As Lambda sets them for a sampled request: the SDK then works in Lambda mode.
            "LAMBDA_TASK_ROOT": str(code),
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        },
    )
    outcome: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def test_with_tracing_off_the_sdk_is_never_loaded() -> None:
    assert _probe("true") == {"loaded": False, "status": 404, "dynamodb": []}


def test_with_tracing_on_each_dynamodb_call_is_a_subsegment() -> None:
    assert _probe("false") == {"loaded": True, "status": 404, "dynamodb": [["dynamodb", "GetItem"]]}
