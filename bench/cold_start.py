"""Cold start: each built function's INIT under AWS's runtime emulator, against a bare boto3 one.

Each fresh start of a function is paired with a fresh start of a baseline function that only
imports boto3 and creates a DynamoDB client, in alternating order; the figure is the median
of the per-pair ratios. Single INIT figures on a shared machine swing by a third, and the
pairing cancels most of that. Both run on the Lambda-like venv (``.venv-lambda``: Lambda's
python3.13 runtime packages only), never writing bytecode, as under a read-only ``/opt``.
"""

import dataclasses
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from devstack.dynamodb_local import SetupError
from devstack.runtime import LAMBDA_PYTHON, EmulatedRuntime, FunctionSpec, emulator_binary

BASELINE_SOURCE = """\
import boto3

client = boto3.client("dynamodb")


def lambda_handler(event, context):
    return {}
"""
_INIT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)|Init Duration: ([\d.]+) ms")


@dataclasses.dataclass
class ColdStarts:
    """Per function: the per-pair ratios, and each side's INIT durations in ms."""

    ratios: dict[str, list[float]]
    init_ms: dict[str, list[float]]
    baseline_ms: list[float]

    def median_ratio(self, function: str) -> float:
        return statistics.median(self.ratios[function])

    def split_halves(self, function: str) -> tuple[float, float]:
        """The medians of the first and second half of the rounds: how far two runs agree."""
        ratios = self.ratios[function]
        half = len(ratios) // 2
        return statistics.median(ratios[:half]), statistics.median(ratios[half:])


def baseline_spec(like: FunctionSpec, directory: Path) -> FunctionSpec:
    """A function beside ``like``: same environment and memory, no layer, only boto3."""
    (directory / "app.py").write_text(BASELINE_SOURCE)
    return dataclasses.replace(like, logical_id="Baseline", code_dir=directory, layer_dirs=())


def init_duration_ms(spec: FunctionSpec) -> float:
    """One fresh sandbox, one invocation: its INIT REPORT duration."""
    emulator = emulator_binary()
    if emulator is None:
        raise SetupError("the cold-start benchmark needs AWS's runtime emulator (Linux, x86_64 or arm64)")
    runtime = EmulatedRuntime(spec, emulator, lambda *_: None)
    runtime.start()
    try:
        runtime.invoke(b"{}")  # INIT runs on the first invocation; its answer does not matter
        deadline = time.monotonic() + 5
        while not runtime.last_init_report and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        runtime.stop()
    found = _INIT.search(runtime.last_init_report)
    if found is None:
        raise SetupError(f"{spec.logical_id}: no INIT REPORT ({runtime.last_init_report!r})")
    return float(found.group(1) or found.group(2))


def measure(specs: dict[str, FunctionSpec], rounds: int) -> ColdStarts:
    ratios: dict[str, list[float]] = defaultdict(list)
    init_ms: dict[str, list[float]] = defaultdict(list)
    baseline_ms: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        baseline = baseline_spec(next(iter(specs.values())), Path(directory))
        for spec in (baseline, *specs.values()):
            init_duration_ms(spec)  # a first start reads its files cold from disk: not counted
        for round_number in range(rounds):
            for name, spec in sorted(specs.items()):
                if round_number % 2:
                    function, base = init_duration_ms(spec), init_duration_ms(baseline)
                else:
                    base, function = init_duration_ms(baseline), init_duration_ms(spec)
                ratios[name].append(function / base)
                init_ms[name].append(function)
                baseline_ms.append(base)
    return ColdStarts(dict(ratios), dict(init_ms), baseline_ms)


def without_bytecode(spec: FunctionSpec, rounds: int) -> float:
    """The median ratio for ``spec`` with its layer shipped as source only, as a build on a
    host without Python 3.13 ships it: Lambda then compiles the layer on every cold start."""
    with tempfile.TemporaryDirectory() as directory:
        layers = []
        for number, layer in enumerate(spec.layer_dirs):
            copy = Path(directory) / f"layer{number}"
            shutil.copytree(layer, copy, ignore=shutil.ignore_patterns("__pycache__"))
            layers.append(copy)
        source_only = dataclasses.replace(
            spec, logical_id=f"{spec.logical_id}SourceOnly", layer_dirs=tuple(layers)
        )
        baseline = baseline_spec(spec, Path(directory))
        init_duration_ms(source_only)
        ratios = []
        for round_number in range(rounds):
            pair = (baseline, source_only) if round_number % 2 else (source_only, baseline)
            first, second = (init_duration_ms(side) for side in pair)
            ratios.append(first / second if pair[0] is source_only else second / first)
    return statistics.median(ratios)


def import_profile(spec: FunctionSpec, runs: int = 5) -> list[tuple[str, float, float]]:
    """``-X importtime`` of ``spec``'s handler: (module, self ms, cumulative ms), medians of runs."""
    handler_module = spec.handler.rpartition(".")[0]
    samples: dict[str, list[tuple[int, int]]] = defaultdict(list)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(spec.python_path()),
        "PYTHONDONTWRITEBYTECODE": "1",
        **spec.environment,
    }
    for _ in range(runs):
        result = subprocess.run(  # noqa: S603 - the Lambda-like interpreter, fixed arguments
            [str(LAMBDA_PYTHON), "-X", "importtime", "-c", f"import {handler_module}"],
            cwd=spec.code_dir,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        for line in result.stderr.splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            own, cumulative, module = line.removeprefix("import time:").split("|")
            samples[module.strip()].append((int(own), int(cumulative)))
    rows = [
        (
            module,
            statistics.median(own for own, _ in values) / 1000,
            statistics.median(cumulative for _, cumulative in values) / 1000,
        )
        for module, values in samples.items()
    ]
    return sorted(rows, key=lambda row: -row[2])
