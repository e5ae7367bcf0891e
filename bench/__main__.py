"""``python -m bench`` (``make bench``): run the sections, print them, write docs/PERFORMANCE.md."""

import argparse
import contextlib
import importlib.metadata
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple, TypeVar

from bench import api_load, cold_start, cost, goals, reload, report, sizes, warm
from bench.goals import Goal
from devstack.dynamodb_local import SetupError, free_port
from devstack.runtime import FunctionSpec
from devstack.stack import LocalStack, function_specs, sam_build
from devstack.template import ROOT

SECTIONS = ("cold", "warm", "api", "sizes", "reload")
# A function's INIT against the bare boto3 function's on the same venv, on every SDK measured.
COLD_GOALS = {"median": 1.00, "worst": 1.05}
WARM_GOAL = 1.10
RELOAD_GOALS = {"handler": 2.0, "layer": 5.0}  # seconds from a save to its first answer
SHARDS = 8  # the status index's shards in the cost comparison
RECORD_BYTES = 900  # the exactly-once goal's record: its id, status, time and data
# The Lambda-like venvs the cold section compares (the Makefile makes both for make bench).
VENVS = (".venv-lambda", ".venv-lambda-newest")
VENV_ROLES = {
    ".venv-lambda": "the runtime's pin, `requirements/lambda-runtime.lock`",
    ".venv-lambda-newest": "the newest on PyPI when make last resolved it",
}
PROFILE_ROWS = 12  # rows of each import profile's tables
DIFFERING_ROWS = 6  # modules whose own time differs most inside and outside the emulator, each side
# Always in the inside-and-outside table: issue 18's clue (41 ms own time in GetItemFunction under
# the emulator, against 5.6 ms in the baseline and 5 to 6 ms outside).
WATCHED = ("urllib3.util.url",)
T = TypeVar("T")


class Part(NamedTuple):
    """A section's Markdown and the goals it has figures for."""

    markdown: str
    goals: list[Goal]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=9, help="cold-start pairs per function in each run (default 9)"
    )
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="runs of the cold-start pairs on each venv (default 3)"
    )
    parser.add_argument(
        "--venvs",
        default=",".join(VENVS),
        help=f"the Lambda-like venvs whose SDKs a cold start is measured on (default {','.join(VENVS)})",
    )
    parser.add_argument("--iterations", type=int, default=200, help="warm requests per route (default 200)")
    parser.add_argument("--seconds", type=float, default=10, help="API load per client count (default 10)")
    parser.add_argument("--saves", type=int, default=10, help="hot reloads of each kind (default 10)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"any of {','.join(SECTIONS)}")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md")
    parser.add_argument("--no-build", action="store_true", help="measure the existing .aws-sam/build")
    args = parser.parse_args(argv)
    chosen = [section for section in args.sections.split(",") if section]
    if args.rounds < 2:  # each function's report compares the two halves of its pairs
        parser.error("--rounds must be at least 2")
    if args.cold_runs < 1:
        parser.error("--cold-runs must be at least 1")
    venvs = [venv for venv in args.venvs.split(",") if venv]
    if not venvs or len(set(venvs)) < len(venvs):
        parser.error("--venvs names one venv or more, each once")
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    took: dict[str, float] = {}
    try:
        if not args.no_build:
            print("sam build ...", file=sys.stderr)
            took["sam build"] = _timed(sam_build)[1]
        parts = []
        for section in chosen:
            print(f"{section} ...", file=sys.stderr)
            part, took[section] = _timed(partial(SECTION_RUNNERS[section], args))
            parts.append(part)
            print(part.markdown + "\n")
    except SetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    goals_table = goals.table([goal for part in parts for goal in part.goals], args.cold_runs)
    print("## Where the goals stand\n\n" + goals_table + "\n")
    timing = "_This run took {:.1f} min: {}._".format(
        sum(took.values()) / 60, ", ".join(f"{name} {seconds / 60:.1f}" for name, seconds in took.items())
    )
    print(timing, file=sys.stderr)
    if len(chosen) < len(SECTIONS) and not args.no_write:
        # The document's figures come from one run of every section, or they would not agree.
        print("printed only: docs/PERFORMANCE.md is written by a run of every section", file=sys.stderr)
    elif not args.no_write:
        given = sys.argv[1:] if argv is None else argv
        command = "make bench" + (f" BENCH_ARGS='{' '.join(given)}'" if given else "")
        report.write("\n\n".join([timing, *(part.markdown for part in parts)]), command, goals_table)
        print(f"written to {report.DOCUMENT}", file=sys.stderr)
    return 0


def _timed(run: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    return run(), time.monotonic() - started


def _cold(args: argparse.Namespace) -> Part:
    specs = function_specs("http://127.0.0.1:9")  # INIT never calls DynamoDB
    sdks = [cold_start.sdk_in(ROOT / venv) for venv in args.venvs.split(",") if venv]
    runs: dict[Path, list[cold_start.ColdStarts]] = {sdk.venv: [] for sdk in sdks}
    for number in range(args.cold_runs):  # the venvs' runs interleaved: the machine's drift hits both
        for sdk in sdks:
            print(f"  {sdk.label}, run {number + 1} of {args.cold_runs}", file=sys.stderr)
            on_sdk = {name: cold_start.on_sdk(spec, sdk) for name, spec in specs.items()}
            runs[sdk.venv].append(cold_start.measure(on_sdk, args.rounds))
    blocks = [
        "## Cold start",
        "Each built function's `INIT REPORT` under AWS's runtime emulator, paired with a bare boto3 "
        "function's (import boto3, create a DynamoDB client) on the same venv, in alternating order, "
        f"{args.rounds} pairs per function in a run; a function's ratio is the median of its pairs'. "
        f"Each venv ran {args.cold_runs} times, the venvs' runs interleaved. Each table is the run whose "
        "median function is the middle one of its venv's runs; the line above it gives the lowest and "
        "the highest of every run. The last column is the median of each half of the pairs: how far "
        "two runs agree.",
    ]
    found: list[Goal] = []
    worst_of: dict[Path, str] = {}
    for sdk in sdks:
        summaries = [cold_start.summary(starts) for starts in runs[sdk.venv]]
        shown = cold_start.middle_run(summaries)
        starts, chosen = runs[sdk.venv][shown], summaries[shown]
        worst_of[sdk.venv] = chosen.worst_function
        medians = {name: starts.median_ratio(name) for name in starts.ratios}
        rows = []
        for name in sorted(medians, key=medians.__getitem__, reverse=True):
            first, second = starts.split_halves(name)
            rows.append(
                (
                    name,
                    f"{statistics.median(starts.init_ms[name]):.0f}",
                    goals.ratio(medians[name]),
                    f"{first:.3f} / {second:.3f}",
                )
            )
        every = {
            "median": [summary.median for summary in summaries],
            "worst": [summary.worst for summary in summaries],
        }
        verdicts = {
            label: goals.verdict(getattr(chosen, label), COLD_GOALS[label], every[label])
            for label in COLD_GOALS
        }
        worst_functions = ", ".join(summary.worst_function for summary in summaries)
        blocks += [
            f"### {_sdk_title(sdk)}",
            f"Run {shown + 1} of {args.cold_runs}. Baseline INIT median "
            f"{statistics.median(starts.baseline_ms):.0f} ms. **median {goals.ratio(chosen.median)} "
            f"(goal ≤ {COLD_GOALS['median']:.2f}x: {verdicts['median']}), worst "
            f"{goals.ratio(chosen.worst)} (goal ≤ {COLD_GOALS['worst']:.2f}x: {verdicts['worst']})"
            f"**; worst is {chosen.worst_function}. Over the {args.cold_runs} runs: median "
            f"{goals.spread(every['median'])}, worst {goals.spread(every['worst'])} "
            f"(worst function by run: {worst_functions}).",
            report.table(("Function", "INIT median (ms)", "Ratio to baseline", "First / second half"), rows),
        ]
        for label, goal_text in (
            ("median", "Median function's cold start ≤ {goal} the bare boto3 function's, {sdk}"),
            ("worst", "Worst function's cold start ≤ {goal}, {sdk}"),
        ):
            figure = goals.ratio(getattr(chosen, label))
            found.append(
                Goal(
                    goal_text.format(goal=f"{COLD_GOALS[label]:.2f}x", sdk=sdk.label),
                    figure + (f" ({chosen.worst_function})" if label == "worst" else ""),
                    goals.spread(every[label]),
                    verdicts[label],
                )
            )
    pinned = sdks[0]
    worst = cold_start.on_sdk(specs[worst_of[pinned.venv]], pinned)
    pairs = _source_only_pairs(args.rounds)
    blocks.append(
        f"{worst.logical_id} with its layer shipped as source only (a build without Python 3.13), "
        f"on {pinned.label}: **{cold_start.without_bytecode(worst, pairs):.3f}x** ({pairs} pairs)."
    )
    for sdk in sdks:
        function = cold_start.on_sdk(specs[worst_of[sdk.venv]], sdk)
        running = cold_start.with_collector_running(function, pairs)
        blocks.append(
            f"{function.logical_id} with Python's garbage collector left running through INIT "
            f"(`COLD_START_GC_PAUSE=off`), on {sdk.label}: **{running:.3f}x** its INIT with the "
            f"layer's pause ({pairs} pairs)."
        )
    blocks += _import_profiles(sdks, {sdk.venv: specs[worst_of[sdk.venv]] for sdk in sdks}, args.rounds)
    return Part("\n\n".join(blocks), found)


def _sdk_title(sdk: cold_start.Sdk) -> str:
    role = VENV_ROLES.get(sdk.venv.name)
    return f"{sdk.label} (`{sdk.venv.name}`" + (f", {role})" if role else ")")


def _import_profiles(sdks: list[cold_start.Sdk], worst: dict[Path, FunctionSpec], rounds: int) -> list[str]:
    runs = min(5, rounds)
    blocks = [
        "### Import profiles, inside the emulator and outside it",
        "Inside: `PYTHONPROFILEIMPORTTIME=1` in the function's environment, `-X importtime`'s lines read "
        f"from the sandbox's output as INIT runs under the emulator, median of {runs} starts. Outside: "
        f'`python -X importtime -c "import app"` on the same venv, median of {runs} runs. The runtime '
        "imports the handler with `importlib.import_module`, which `-X importtime` does not time: inside, "
        "the handler's module has no line (nor what its body does, creating the client), and its imports "
        "are at the top level beside the runtime's own. Times are in ms, inflated by the profiling. "
        "A module's own time also holds whatever falls due while it runs: a garbage collection, the "
        "page faults of a heap that grows.",
    ]
    for sdk in sdks:
        function = cold_start.on_sdk(worst[sdk.venv], sdk)
        baseline = cold_start.baseline_spec(function, _scratch())
        profiles = {
            ("function", "inside"): cold_start.emulated_import_profile(function, runs),
            ("function", "outside"): cold_start.import_profile(function, runs),
            ("baseline", "inside"): cold_start.emulated_import_profile(baseline, runs),
            ("baseline", "outside"): cold_start.import_profile(baseline, runs),
        }
        own = {key: {row.module: row.own_ms for row in rows} for key, rows in profiles.items()}
        inside = profiles["function", "inside"]
        added = sorted(
            (row for row in inside if row.module not in own["baseline", "inside"]),
            key=lambda row: (-row.own_ms, row.module),
        )
        differing: list[str] = []
        totals = []
        for side in ("function", "baseline"):
            differences = cold_start.own_time_differences(profiles[side, "inside"], profiles[side, "outside"])
            differing += [module for module, _, _ in differences[:DIFFERING_ROWS] if module not in differing]
            totals.append(
                f"the {side}'s {sum(i for _, i, _ in differences):.0f} ms inside, "
                f"{sum(o for _, _, o in differences):.0f} ms outside ({len(differences)} modules)"
            )
        differing += [
            module for module in WATCHED if module not in differing and module in own["function", "inside"]
        ]
        handler = function.handler.rpartition(".")[0]
        blocks += [
            f"#### {function.logical_id} on {sdk.label}",
            f"Inside the emulator, top {PROFILE_ROWS} by cumulative time:",
            report.table(
                ("Module", "Cumulative", "Self", "Self outside"),
                [
                    (
                        f"`{row.module}`",
                        f"{row.cumulative_ms:.1f}",
                        f"{row.own_ms:.1f}",
                        _ms(own["function", "outside"], row.module),
                    )
                    for row in inside[:PROFILE_ROWS]
                ],
            ),
            f"What it imports beyond the baseline inside the emulator, top {PROFILE_ROWS} by own time; total "
            f"{sum(row.own_ms for row in added):.1f} ms over {len(added)} modules:",
            report.table(
                ("Module", "Self"), [(f"`{row.module}`", f"{row.own_ms:.1f}") for row in added[:PROFILE_ROWS]]
            ),
            "Own time inside the emulator and outside it: the modules whose own time differs most between "
            f"the two, for the function and for the baseline, and {', '.join(f'`{m}`' for m in WATCHED)}. "
            f"Summed over the modules both profiles hold: {'; '.join(totals)}. Outside, the handler's own "
            f"line (`{handler}`: its body, creating the client) adds "
            f"{own['function', 'outside'].get(handler, 0.0):.1f} ms to the function and "
            f"{own['baseline', 'outside'].get(handler, 0.0):.1f} ms to the baseline.",
            report.table(
                ("Module", "Function inside", "Function outside", "Baseline inside", "Baseline outside"),
                [
                    (
                        f"`{module}`",
                        *(_ms(own[key], module) for key in profiles),
                    )
                    for module in differing
                ],
            ),
        ]
    return blocks


def _ms(times: dict[str, float], module: str) -> str:
    return f"{times[module]:.1f}" if module in times else ""


def _source_only_pairs(rounds: int) -> int:
    """A quarter of the rounds, at least 8 when there are that many (a smoke run takes fewer)."""
    return max(min(8, rounds), rounds // 4)


def _met(value: float, goal: float) -> str:
    return "met" if value <= goal else "missed"


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-baseline-"))


def _warm(args: argparse.Namespace) -> Part:
    stack = LocalStack(ddb_port=free_port(), data_dir=None, build=False, log_sink=lambda *_: None)
    stack.start(serve=False)
    # What the handlers print (their metrics, one line a request) goes to a file, as a
    # function's stdout goes to its log, not to this report.
    try:
        with open(os.devnull, "w") as log, contextlib.redirect_stdout(log):
            results = warm.measure(stack, args.iterations)
            index_units = warm.status_index_units(SHARDS)
            updates = [warm.update_units(shards, RECORD_BYTES) for shards in (0, SHARDS)]
            worst_route = max(results, key=lambda result: result.ratio).route
            from dynamo_tables import default_client

            per_request, in_botocore, profiled = warm.profile(worst_route, default_client())
    finally:
        stack.stop()
    worst = max(results, key=lambda result: result.ratio)
    rows = [
        (
            r.route,
            r.status,
            " + ".join(r.calls) or "none",
            f"{r.handler_ms:.2f}",
            f"{r.direct_ms:.2f}",
            f"{r.added_ms:+.2f}",
            f"{r.ratio:.2f}x",
        )
        for r in results
    ]
    memory = int(stack.specs[next(iter(stack.specs))].memory)
    costs = [
        (r.route, r.units, r.keyed_units, cost.per_million(r.handler_ms, memory, r.units.read, r.units.write))
        for r in results
    ]
    cost_rows = [
        (
            route,
            f"{units.read:g} / {units.write:g}",
            f"{keyed.read:g} / {keyed.write:g}" if keyed else "",
            f"${price.lambda_duration:.2f}",
            f"${price.dynamodb:.2f}",
            f"${price.total:.2f}",
            f"${price.total + _keyed_extra(units, keyed):.2f}" if keyed else "",
        )
        for route, units, keyed, price in costs
    ]
    by_route = {route: price.total for route, _, _, price in costs}
    weights = {api_load.ROUTE_OF[kind]: weight for weight, kind in api_load.MIX}
    mix = sum(by_route[route] * weight for route, weight in weights.items()) / sum(weights.values())
    cost_rows.append(("**the local API's mix** (below)", "", "", "", "", f"**${mix:.2f}**", ""))
    calls = sorted({len(result.calls) for result in results})
    # What an update of a record without data writes is the floor (the seed's index: 1 + 1).
    no_extra = all(
        (u.table, u.index) == (u.bare_table, u.bare_index) and (u.shards or (u.table, u.index) == (1, 1))
        for u in updates
    )
    found = [
        Goal(
            f"Warm overhead ≤ {WARM_GOAL:.2f}x the handler's own DynamoDB call, every route",
            f"{worst.ratio:.2f}x ({worst.route})",
            "",
            _met(worst.ratio, WARM_GOAL),
        ),
        Goal(
            "The fewest DynamoDB calls per request",
            f"{' to '.join(str(count) for count in calls)} per request, every route ({len(results)} "
            "measured); `tests/unit/test_round_trips.py` asserts the counts",
            "",
            "met" if calls == [1] else "missed",
        ),
        Goal(
            f"Exactly-once costs no extra write unit on an update: a {RECORD_BYTES}-byte record's = 1 WCU "
            f"table + 1 WCU index, as one without data (the seed's index; {SHARDS} shards)",
            ", ".join(
                f"{_wcu(u.table, u.index)} ({_index_name(u.shards)}; without data "
                f"{_wcu(u.bare_table, u.bare_index)})"
                for u in updates
            ),
            "",
            "met" if no_extra else "missed",
        ),
    ]
    markdown = "\n\n".join(
        [
            "## Warm requests and DynamoDB round trips",
            "Each route's handler invoked in this process (the development venv's Python "
            f"{platform.python_version()} and botocore {importlib.metadata.version('botocore')}, "
            "one SDK: the handler and its direct call share it) against DynamoDB Local "
            f"({args.iterations} requests, "
            "median), against the DynamoDB call(s) it made, replayed with boto3 on the same client, in "
            "alternating pairs; added time and ratio are medians of the pairs. "
            f"Worst ratio **{worst.ratio:.2f}x** ({worst.route}; goal ≤ {WARM_GOAL:.2f}x: "
            f"{_met(worst.ratio, WARM_GOAL)}). The calls are counted from botocore's events; "
            "`tests/unit/test_round_trips.py` asserts the same counts.",
            report.table(
                (
                    "Route (event)",
                    "Status",
                    "DynamoDB calls",
                    "Handler (ms)",
                    "Direct (ms)",
                    "Added (ms)",
                    "Ratio",
                ),
                rows,
            ),
            f"### Where {worst_route}'s time goes",
            f"Its handler with its DynamoDB call answered in memory, 2,000 requests under cProfile "
            f"(which slows many small calls more than few large ones: shares carry over, times do not): "
            f"{per_request:.2f} ms a request, {in_botocore:.0%} of it inside botocore's call (serializing, "
            "validating and signing the request, which the direct call pays too). The layer's, the "
            "handler's and Powertools' functions, top 15 by own time (µs a request):",
            report.table(
                ("Function", "Own", "Cumulative"),
                [(f"`{name}`", f"{own:.1f}", f"{cumulative:.1f}") for name, own, cumulative in profiled[:15]],
            ),
            "### Units and cost per million requests",
            "Read / write request units one request consumed (indexes included), as DynamoDB Local counts "
            "them with `ReturnConsumedCapacity`, with and without an `Idempotency-Key`; the cost of a "
            f"million such requests at list prices (`bench/cost.py`): API Gateway REST "
            f"${cost.API_GATEWAY_REST_PER_MILLION:.2f} and Lambda requests "
            f"${cost.LAMBDA_REQUESTS_PER_MILLION:.2f} in every row, Lambda arm64 at {memory} MB for the "
            "handler's duration measured above, DynamoDB on demand.",
            report.table(
                (
                    "Route (event)",
                    "Units r / w",
                    "Keyed r / w",
                    "Lambda",
                    "DynamoDB",
                    "Total",
                    "Total, keyed",
                ),
                cost_rows,
            ),
            f"### The status index: the seed's, and sharded ({SHARDS} shards)",
            "Units one operation consumed on a table of 200 records (half of each status, about 650 "
            "bytes each), with the seed's index and with `StatusIndexShards="
            f"{SHARDS}`, and what a million of them cost in DynamoDB.",
            report.table(
                ("Operation", "Seed's index r / w", f"{SHARDS} shards r / w", "Seed's $", "Sharded $"),
                [
                    (
                        label,
                        f"{off.read:g} / {off.write:g}",
                        f"{on.read:g} / {on.write:g}",
                        f"${_dynamodb_cost(off):.2f}",
                        f"${_dynamodb_cost(on):.2f}",
                    )
                    for label, off, on in index_units
                ],
            ),
            "### An update's write units: what exactly-once costs",
            f"An update that keeps its status (`PATCH`) of a record whose id, status, time and data take "
            f"{RECORD_BYTES} bytes by DynamoDB's item-size rule (`status_index.item_size`), written often "
            "enough that its write tokens are all there; the version, the shard key and the write tokens "
            "come on top (the whole item). Write units as DynamoDB Local counts them with "
            "`ReturnConsumedCapacity=INDEXES`, the table's + the status index's, against the same update "
            "of a record without data: what an update costs whatever the record's size. A write unit "
            "is a started kilobyte of the item, for the table and for each index write (the sharded "
            "index's sort key, the time, moves with every update: a delete and a put).",
            report.table(
                ("Status index", "Id, status, time, data", "Whole item", "Update", "Without data"),
                [
                    (
                        _index_name(u.shards),
                        f"{u.seed_bytes:,} bytes",
                        f"{u.item_bytes:,} bytes",
                        _wcu(u.table, u.index),
                        _wcu(u.bare_table, u.bare_index),
                    )
                    for u in updates
                ],
            ),
        ]
    )
    return Part(markdown, found)


def _wcu(table: float, index: float) -> str:
    return f"{table:g} + {index:g} WCU"


def _index_name(shards: int) -> str:
    return f"{shards} shards" if shards else "the seed's index"


def _dynamodb_cost(units: warm.Units) -> float:
    return units.read * cost.DYNAMODB_READ_PER_MILLION + units.write * cost.DYNAMODB_WRITE_PER_MILLION


def _keyed_extra(units: warm.Units, keyed: warm.Units) -> float:
    return (keyed.read - units.read) * cost.DYNAMODB_READ_PER_MILLION + (
        keyed.write - units.write
    ) * cost.DYNAMODB_WRITE_PER_MILLION


def _api(args: argparse.Namespace) -> Part:
    levels, direct_ms = api_load.measure((1, 4, 16), args.seconds)
    rows = []
    for level in levels:
        every = level.all_ms
        rows.append(
            (
                level.clients,
                f"{level.requests / level.seconds:.0f}",
                f"{api_load.percentile(every, 0.5):.1f}",
                f"{api_load.percentile(every, 0.99):.1f}",
                f"{api_load.percentile(level.latencies_ms['GET item'], 0.5):.1f}",
                level.failures,
            )
        )
    mix = ", ".join(f"{weight}% {kind}" for weight, kind in api_load.MIX)
    markdown = "\n\n".join(
        [
            "## Through the local API",
            f"`make start`'s stack (SAM CLI's API Gateway emulation, 4 runtime-emulator sandboxes per "
            f"function, DynamoDB Local in memory), {args.seconds:.0f} s per level, a new connection per "
            f"request; mix: {mix}. The same GetItem straight to DynamoDB Local: p50 {direct_ms:.1f} ms.",
            report.table(("Clients", "Requests/s", "p50 (ms)", "p99 (ms)", "GET item p50 (ms)", "5xx"), rows),
        ]
    )
    return Part(markdown, [])


def _sizes(args: argparse.Namespace) -> Part:
    rows = [(name, sizes.shown(unzipped), sizes.shown(zipped)) for name, unzipped, zipped in sizes.sizes()]
    markdown = "\n\n".join(
        [
            "## Artifact sizes",
            "What `sam build` made (`.aws-sam/build`), zipped as `sam deploy` uploads it. Lambda's limit "
            "is 250 MiB unzipped for a function and its layers together.",
            report.table(("Artifact", "Unzipped", "Zipped"), rows),
        ]
    )
    return Part(markdown, [])


def _reload(args: argparse.Namespace) -> Part:
    reloads = reload.measure(args.saves)
    saved = (
        ("handler", "a handler (`functions/get_item/app.py`)", reloads.handler),
        ("layer", "the layer (`tables_api/problems.py`)", reloads.layer),
    )
    rows = [
        (
            what,
            f"{statistics.median(seconds):.2f}",
            f"{max(seconds):.2f}",
            f"< {RELOAD_GOALS[kind]:.0f} s: {_met(max(seconds), RELOAD_GOALS[kind])}",
        )
        for kind, what, seconds in saved
    ]
    found = [
        Goal(
            f"A saved {kind} served by `make start` in < {RELOAD_GOALS[kind]:.0f} s",
            f"median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s ({len(seconds)} saves)",
            "",
            _met(max(seconds), RELOAD_GOALS[kind]),
        )
        for kind, _, seconds in saved
    ]
    markdown = "\n\n".join(
        [
            "## Hot reload",
            "`python -m devstack start` (`make start`) serving a copy of the project: the time from saving "
            f"a source file to the first API answer from the new code (polled every "
            f"{reload.POLL_SECONDS * 1000:.0f} ms), including the rebuild, the check and the new "
            f"sandbox's cold start; {args.saves} saves of each.",
            report.table(("Saved", "Median (s)", "Worst (s)", "Goal (worst)"), rows),
        ]
    )
    return Part(markdown, found)


SECTION_RUNNERS = {"cold": _cold, "warm": _warm, "api": _api, "sizes": _sizes, "reload": _reload}

if __name__ == "__main__":
    sys.exit(main())
