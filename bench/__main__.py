"""``python -m bench`` (``make bench``): run the sections, print them, write docs/PERFORMANCE.md."""

import argparse
import contextlib
import logging
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

from bench import api_load, cold_start, cost, reload, report, sizes, warm
from devstack.dynamodb_local import SetupError, free_port
from devstack.stack import LocalStack, function_specs, sam_build

SECTIONS = ("cold", "warm", "api", "sizes", "reload")
COLD_GOALS = {"worst": 1.15, "median": 1.10}
WARM_GOAL = 1.10
RELOAD_GOALS = {"handler": 2.0, "layer": 5.0}  # seconds from a save to its first answer
SHARDS = 8  # the status index's shards in the cost comparison


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=40, help="cold-start pairs per function (default 40)")
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
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    try:
        if not args.no_build:
            print("sam build ...", file=sys.stderr)
            sam_build()
        parts = []
        for section in chosen:
            print(f"{section} ...", file=sys.stderr)
            parts.append(SECTION_RUNNERS[section](args))
            print(parts[-1] + "\n")
    except SetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if len(chosen) < len(SECTIONS) and not args.no_write:
        # The document's figures come from one run of every section, or they would not agree.
        print("printed only: docs/PERFORMANCE.md is written by a run of every section", file=sys.stderr)
    elif not args.no_write:
        given = sys.argv[1:] if argv is None else argv
        command = "make bench" + (f" BENCH_ARGS='{' '.join(given)}'" if given else "")
        report.write("\n\n".join(parts), command)
        print(f"written to {report.DOCUMENT}", file=sys.stderr)
    return 0


def _cold(args: argparse.Namespace) -> str:
    specs = function_specs("http://127.0.0.1:9")  # INIT never calls DynamoDB
    starts = cold_start.measure(specs, args.rounds)
    medians = {name: starts.median_ratio(name) for name in specs}
    worst = max(medians, key=medians.__getitem__)
    across = statistics.median(medians.values())
    rows = []
    for name in sorted(specs, key=medians.__getitem__, reverse=True):
        first, second = starts.split_halves(name)
        rows.append(
            (
                name,
                f"{statistics.median(starts.init_ms[name]):.0f}",
                f"{medians[name]:.3f}x",
                f"{first:.3f} / {second:.3f}",
            )
        )
    verdict = ", ".join(
        f"{label} {value:.3f}x (goal ≤ {COLD_GOALS[label]:.2f}x: {_met(value, COLD_GOALS[label])})"
        for label, value in (("worst", medians[worst]), ("median", across))
    )
    source_only = cold_start.without_bytecode(specs[worst], _source_only_pairs(args.rounds))
    profile = cold_start.import_profile(specs[worst], runs=min(5, args.rounds))
    baseline_profile = {
        module
        for module, _, _ in cold_start.import_profile(
            cold_start.baseline_spec(specs[worst], _scratch()), runs=1
        )
    }
    added = sorted(
        ((module, own) for module, own, _ in profile if module not in baseline_profile),
        key=lambda row: -row[1],
    )
    return "\n\n".join(
        [
            "## Cold start",
            "Each built function's `INIT REPORT` under AWS's runtime emulator on `.venv-lambda`, paired "
            f"with a bare boto3 function (import boto3, create a DynamoDB client), {args.rounds} pairs each. "
            f"Baseline INIT median {statistics.median(starts.baseline_ms):.0f} ms. **{verdict}**; worst is "
            f"{worst}. The last column is the median of each half of the pairs: how far two runs agree. "
            f"{worst} with its layer shipped as source only (a build without Python 3.13): "
            f"**{source_only:.3f}x** ({_source_only_pairs(args.rounds)} pairs).",
            report.table(("Function", "INIT median (ms)", "Ratio to baseline", "First / second half"), rows),
            f"### Import profile of {worst}",
            "`python -X importtime`, top 15 modules by cumulative time (ms, median of 5 runs). `app` "
            "includes creating the DynamoDB client, as the baseline's INIT does.",
            report.table(
                ("Module", "Cumulative", "Self"),
                [(f"`{m}`", f"{c:.1f}", f"{o:.1f}") for m, o, c in profile[:15]],
            ),
            "What it imports beyond the baseline, top 15 by own time (ms); total "
            f"{sum(own for _, own in added):.1f} ms over {len(added)} modules:",
            report.table(("Module", "Self"), [(f"`{m}`", f"{o:.1f}") for m, o in added[:15]]),
        ]
    )


def _source_only_pairs(rounds: int) -> int:
    """A quarter of the rounds, at least 8 when there are that many (a smoke run takes fewer)."""
    return max(min(8, rounds), rounds // 4)


def _met(value: float, goal: float) -> str:
    return "met" if value <= goal else "missed"


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-baseline-"))


def _warm(args: argparse.Namespace) -> str:
    stack = LocalStack(ddb_port=free_port(), data_dir=None, build=False, log_sink=lambda *_: None)
    stack.start(serve=False)
    # What the handlers print (their metrics, one line a request) goes to a file, as a
    # function's stdout goes to its log, not to this report.
    try:
        with open(os.devnull, "w") as log, contextlib.redirect_stdout(log):
            results = warm.measure(stack, args.iterations)
            index_units = warm.status_index_units(SHARDS)
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
    return "\n\n".join(
        [
            "## Warm requests and DynamoDB round trips",
            "Each route's handler invoked in this process (the development venv's Python "
            f"{platform.python_version()}) against DynamoDB Local ({args.iterations} requests, "
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
        ]
    )


def _dynamodb_cost(units: warm.Units) -> float:
    return units.read * cost.DYNAMODB_READ_PER_MILLION + units.write * cost.DYNAMODB_WRITE_PER_MILLION


def _keyed_extra(units: warm.Units, keyed: warm.Units) -> float:
    return (keyed.read - units.read) * cost.DYNAMODB_READ_PER_MILLION + (
        keyed.write - units.write
    ) * cost.DYNAMODB_WRITE_PER_MILLION


def _api(args: argparse.Namespace) -> str:
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
    return "\n\n".join(
        [
            "## Through the local API",
            f"`make start`'s stack (SAM CLI's API Gateway emulation, 4 runtime-emulator sandboxes per "
            f"function, DynamoDB Local in memory), {args.seconds:.0f} s per level, a new connection per "
            f"request; mix: {mix}. The same GetItem straight to DynamoDB Local: p50 {direct_ms:.1f} ms.",
            report.table(("Clients", "Requests/s", "p50 (ms)", "p99 (ms)", "GET item p50 (ms)", "5xx"), rows),
        ]
    )


def _sizes(args: argparse.Namespace) -> str:
    rows = [(name, sizes.shown(unzipped), sizes.shown(zipped)) for name, unzipped, zipped in sizes.sizes()]
    return "\n\n".join(
        [
            "## Artifact sizes",
            "What `sam build` made (`.aws-sam/build`), zipped as `sam deploy` uploads it. Lambda's limit is "
            "250 MiB unzipped for a function and its layers together.",
            report.table(("Artifact", "Unzipped", "Zipped"), rows),
        ]
    )


def _reload(args: argparse.Namespace) -> str:
    reloads = reload.measure(args.saves)
    rows = [
        (
            what,
            f"{statistics.median(seconds):.2f}",
            f"{max(seconds):.2f}",
            f"< {RELOAD_GOALS[kind]:.0f} s: {_met(max(seconds), RELOAD_GOALS[kind])}",
        )
        for kind, what, seconds in (
            ("handler", "a handler (`functions/get_item/app.py`)", reloads.handler),
            ("layer", "the layer (`tables_api/problems.py`)", reloads.layer),
        )
    ]
    return "\n\n".join(
        [
            "## Hot reload",
            "`python -m devstack start` (`make start`) serving a copy of the project: the time from saving "
            f"a source file to the first API answer from the new code (polled every "
            f"{reload.POLL_SECONDS * 1000:.0f} ms), including the rebuild, the check and the new "
            f"sandbox's cold start; {args.saves} saves of each.",
            report.table(("Saved", "Median (s)", "Worst (s)", "Goal (worst)"), rows),
        ]
    )


SECTION_RUNNERS = {"cold": _cold, "warm": _warm, "api": _api, "sizes": _sizes, "reload": _reload}

if __name__ == "__main__":
    sys.exit(main())
