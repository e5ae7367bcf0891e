"""Schemathesis against the running API, from openapi.yaml: every phase (examples,
coverage, fuzzing, stateful) and every check but the two schemathesis.toml explains.

Bounded for ``make test`` with a fixed seed, so a failure reproduces; ``make fuzz``
runs it with many more examples and a fresh seed (FUZZ_EXAMPLES, FUZZ_SEED).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.template import ROOT
from tests.conftest import API_CREDENTIALS
from tests.support.openapi import operations

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# A run of 5,003 cases took 238 s here (about 48 ms a case; a case per example, operation
# and phase). Ten times that a case, and a minute to start, is room for a slower machine.
BUDGET_SECONDS = 60 + EXAMPLES * len(operations()) * 4 * 0.5


@pytest.mark.timeout(BUDGET_SECONDS + 60)
def test_schemathesis_finds_no_failure(api_url: str, tmp_path: Path) -> None:
    examples = str(EXAMPLES)
    seed = os.environ.get("FUZZ_SEED", "20261124")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        "openapi.yaml",
        "--url",
        api_url,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        examples,
        "--seed",
        seed,
        # One worker: CPython 3.11.7's ast.parse miscounts recursion when Hypothesis
        # parses lambda sources in several threads at once (a SystemError).
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    # The hooks module (schemathesis.toml) and the layer it reads a limit from, importable.
    path = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "dynamo_tables")])
    result = subprocess.run(  # noqa: S603 - schemathesis from this venv, on the repository's spec
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUDGET_SECONDS,
        check=False,
        # The caller's credentials (tests/conftest.py's, not the fake AWS ones) for the hooks.
        env={**os.environ, **API_CREDENTIALS.environment(), "PYTHONPATH": path},
    )

    print(result.stdout[-3000:])  # the summary and seed, shown by `make fuzz`
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "No issues found" in result.stdout
