"""Cold start: each built function's INIT under AWS's runtime emulator, against a bare boto3 one.

Each fresh start of a function is paired with a fresh start of a baseline function that only
imports boto3 and creates a DynamoDB client, in alternating order; the figure is the median
of the per-pair ratios. Single INIT figures on a shared machine swing by a third, and the
pairing cancels most of that. Both sides of a pair run on one Lambda-like venv (``.venv-lambda``:
Lambda's python3.13 runtime packages only, or ``.venv-lambda-newest``: the same with the newest
boto3), never writing bytecode, as under a read-only ``/opt``.
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
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from devstack.dynamodb_local import SetupError
from devstack.runtime import EmulatedRuntime, FunctionSpec, LogSink, emulator_binary

BASELINE_SOURCE = """\
import boto3

client = boto3.client("dynamodb")


def lambda_handler(event, context):
    return {}
"""
_INIT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)|Init Duration: ([\d.]+) ms")
# One line of ``-X importtime`` (``PYTHONPROFILEIMPORTTIME``): own and cumulative microseconds,
# then the module, indented by its depth. Found anywhere in a line: under the emulator it
# arrives among the emulator's own lines. The header line ("self [us]") has no figures.
_IMPORT_TIME = re.compile(r"import time:\s*(\d+) \|\s*(\d+) \|\s*(\S+)\s*$")
# What a Lambda-like venv says of its SDK, from the packages' own metadata.
_VERSIONS = "import importlib.metadata as m; print(m.version('boto3'), m.version('botocore'))"


@dataclasses.dataclass(frozen=True)
class Sdk:
    """A Lambda-like venv and the SDK it holds."""

    venv: Path
    boto3: str
    botocore: str

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def label(self) -> str:
        return f"boto3 {self.boto3}"


def sdk_in(venv: Path) -> Sdk:
    """The SDK in ``venv``, as ``importlib.metadata`` reads it with the venv's own Python."""
    python = venv / "bin" / "python"
    if not python.is_file():
        raise SetupError(f"no venv at {venv}: `make bench` makes it")
    probe = subprocess.run(  # noqa: S603 - the venv's interpreter, a fixed probe
        [str(python), "-c", _VERSIONS], capture_output=True, text=True, check=True
    )
    boto3, botocore = probe.stdout.split()
    return Sdk(venv, boto3, botocore)


def on_sdk(spec: FunctionSpec, sdk: Sdk) -> FunctionSpec:
    return dataclasses.replace(spec, python=sdk.python)


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


class Summary(NamedTuple):
    """One run in two figures: the median function's ratio and the worst function's."""

    median: float
    worst: float
    worst_function: str


def summary(starts: ColdStarts) -> Summary:
    medians = {name: starts.median_ratio(name) for name in starts.ratios}
    worst = max(sorted(medians), key=medians.__getitem__)
    return Summary(statistics.median(medians.values()), medians[worst], worst)


def middle_run(summaries: Sequence[Summary]) -> int:
    """The index of the run whose median function is the median of the runs' (the lower of
    the two middle ones for an even count): the run a report shows whole."""
    order = sorted(range(len(summaries)), key=lambda index: (summaries[index].median, index))
    return order[(len(order) - 1) // 2]


def baseline_spec(like: FunctionSpec, directory: Path) -> FunctionSpec:
    """A function beside ``like``: same environment and memory, no layer, only boto3."""
    (directory / "app.py").write_text(BASELINE_SOURCE)
    return dataclasses.replace(like, logical_id="Baseline", code_dir=directory, layer_dirs=())


def init_duration_ms(spec: FunctionSpec, log: LogSink | None = None) -> float:
    """One fresh sandbox, one invocation: its INIT REPORT duration. ``log`` gets every line
    the sandbox wrote up to that report."""
    emulator = emulator_binary()
    if emulator is None:
        raise SetupError("the cold-start benchmark needs AWS's runtime emulator (Linux, x86_64 or arm64)")
    runtime = EmulatedRuntime(spec, emulator, log or (lambda *_: None))
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
        return paired_ratio(source_only, baseline_spec(spec, Path(directory)), rounds)


def with_collector_running(spec: FunctionSpec, rounds: int) -> float:
    """The median ratio of ``spec``'s INIT with the layer's collector pause turned off
    (``COLD_START_GC_PAUSE=off``, ``dynamo_tables/init_pause.py``) to its INIT with it."""
    running = dataclasses.replace(
        spec,
        logical_id=f"{spec.logical_id}CollectorRunning",
        environment={**spec.environment, "COLD_START_GC_PAUSE": "off"},
    )
    return paired_ratio(running, spec, rounds)


def paired_ratio(subject: FunctionSpec, reference: FunctionSpec, rounds: int) -> float:
    """The median of ``subject``'s INIT over ``reference``'s, in pairs of alternating order
    (after one start of ``subject`` not counted: the first reads its files cold)."""
    init_duration_ms(subject)
    ratios = []
    for round_number in range(rounds):
        pair = (reference, subject) if round_number % 2 else (subject, reference)
        first, second = (init_duration_ms(side) for side in pair)
        ratios.append(first / second if pair[0] is subject else second / first)
    return statistics.median(ratios)


class ProfileRow(NamedTuple):
    module: str
    own_ms: float
    cumulative_ms: float


def parse_importtime(lines: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each module's (own, cumulative) microseconds in ``-X importtime`` output; other lines
    are passed over. A module imported twice (taken out of ``sys.modules`` and imported again)
    counts both times: its own times add up, its cumulative is the longer."""
    modules: dict[str, tuple[int, int]] = {}
    for line in lines:
        found = _IMPORT_TIME.search(line)
        if found is None:
            continue
        own, cumulative, module = int(found.group(1)), int(found.group(2)), found.group(3)
        before_own, before_cumulative = modules.get(module, (0, 0))
        modules[module] = (before_own + own, max(before_cumulative, cumulative))
    return modules


def median_profile(samples: Sequence[Mapping[str, tuple[int, int]]]) -> list[ProfileRow]:
    """Per module, the medians over the runs it appears in, in ms; by cumulative time, longest first."""
    collected: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for sample in samples:
        for module, times in sample.items():
            collected[module].append(times)
    rows = [
        ProfileRow(
            module,
            statistics.median(own for own, _ in values) / 1000,
            statistics.median(cumulative for _, cumulative in values) / 1000,
        )
        for module, values in collected.items()
    ]
    return sorted(rows, key=lambda row: (-row.cumulative_ms, row.module))


def own_time_differences(
    inside: Sequence[ProfileRow], outside: Sequence[ProfileRow]
) -> list[tuple[str, float, float]]:
    """(module, own ms inside, own ms outside) for each module both profiles hold, the largest
    difference first."""
    outside_own = {row.module: row.own_ms for row in outside}
    rows = [(row.module, row.own_ms, outside_own[row.module]) for row in inside if row.module in outside_own]
    return sorted(rows, key=lambda row: (-abs(row[1] - row[2]), row[0]))


def import_profile(spec: FunctionSpec, runs: int = 5) -> list[ProfileRow]:
    """``-X importtime`` of ``spec``'s handler outside the emulator, on its venv's Python:
    ``python -X importtime -c "import app"``, medians of ``runs``."""
    handler_module = spec.handler.rpartition(".")[0]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(spec.python_path()),
        "PYTHONDONTWRITEBYTECODE": "1",
        **spec.environment,
    }
    samples = []
    for _ in range(runs):
        result = subprocess.run(  # noqa: S603 - the Lambda-like interpreter, fixed arguments
            [str(spec.python), "-X", "importtime", "-c", f"import {handler_module}"],
            cwd=spec.code_dir,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(parse_importtime(result.stderr.splitlines()))
    return median_profile(samples)


def emulated_import_profile(spec: FunctionSpec, runs: int = 5) -> list[ProfileRow]:
    """The same profile taken inside AWS's runtime emulator, as INIT runs: ``PYTHONPROFILEIMPORTTIME=1``
    in the function's environment, its lines read from the sandbox's output; medians of ``runs``.

    The runtime imports the handler with ``importlib.import_module``, which ``-X importtime``
    does not time (it times ``import`` statements): the handler's own module has no line, and
    what it imports is at the top level, beside the runtime's own imports."""
    profiled = dataclasses.replace(spec, environment={**spec.environment, "PYTHONPROFILEIMPORTTIME": "1"})
    init_duration_ms(profiled)  # as in measure(): a first start reads its files cold from disk
    return median_profile([parse_importtime(_init_output(profiled)) for _ in range(runs)])


def _init_output(spec: FunctionSpec) -> list[str]:
    """What one fresh sandbox wrote up to its INIT REPORT, line by line."""
    lines: list[str] = []
    init_duration_ms(spec, lambda _, line: lines.append(line))
    return lines
