"""``make reshard``: the backfill of a change of ``StatusIndexShards`` (``dynamo_tables.reshard``).

Deployed (``STACK=<name>``): the table and both counts come from the stack (its
``ComplexTableName`` output, its ``StatusIndexShards`` and ``StatusIndexShardsBefore``
parameters), with the caller's AWS credentials. Local (no ``STACK``): the local stack's
``ComplexTable`` on DynamoDB Local at ``--ddb-port``, the counts from the same
``--parameter-overrides`` as ``make start``. It waits until every index of the table is
ACTIVE (CloudFormation does not wait for a new index's own backfill), reports each page,
and resumes from its checkpoint (``.local/reshard-<table>-<count>.json`` unless named).
"""

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from devstack.template import ROOT
from dynamo_tables.errors import Unavailable
from dynamo_tables.reshard import Backfill, Progress
from dynamo_tables.reshard_checks import indexes_ready, records_not_right


def from_stack(stack: str, cloudformation: Any) -> tuple[str, int, str]:
    """(table, count now, count before: "" when no re-shard is under way) of a deployed stack."""
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return (
        outputs["ComplexTableName"],
        int(parameters.get("StatusIndexShards", "0")),
        parameters.get("StatusIndexShardsBefore", ""),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make reshard", description=__doc__)
    parser.add_argument("--stack", default="", help="a deployed stack's name; none: the local stack")
    parser.add_argument("--ddb-port", type=int, default=8000)
    parser.add_argument(
        "--parameter-overrides", default="", help="the local stack's, as make start's PARAMETERS"
    )
    parser.add_argument("--rate", type=float, default=100, help="record updates a second at most")
    parser.add_argument("--segments", type=int, default=1, help="parallel Scan segments")
    parser.add_argument("--checkpoint", type=Path, help="the checkpoint file to resume from")
    parser.add_argument(
        "--wait-only", action="store_true", help="only wait until every index is ACTIVE (before make publish)"
    )
    args = parser.parse_args(argv)
    if args.stack:
        table, shards, before = from_stack(args.stack, boto3.client("cloudformation"))
        client = boto3.client("dynamodb")
    else:
        from devstack.stack import dynamodb_client

        overrides = dict(pair.split("=", 1) for pair in shlex.split(args.parameter_overrides))
        table, shards = "ComplexTable", int(overrides.get("StatusIndexShards", "0"))
        before = overrides.get("StatusIndexShardsBefore", "")
        client = dynamodb_client(f"http://127.0.0.1:{args.ddb_port}")
    if before == "":
        print(
            "no re-shard under way: deploy with StatusIndexShardsBefore=<the count before> first",
            file=sys.stderr,
        )
        return 2
    while problems := indexes_ready(client, table, shards):
        if any("deploy step 1" in problem for problem in problems):
            print("; ".join(problems), file=sys.stderr)
            return 2
        print(f"waiting: {'; '.join(problems)}", flush=True)
        time.sleep(10)
    if args.wait_only:
        print(f"every index of {table} is ACTIVE: make publish, then make reshard")
        return 0
    checkpoint = args.checkpoint or ROOT / ".local" / f"reshard-{table}-{shards}.json"

    def report(progress: Progress) -> None:
        counts = progress.counts
        print(
            f"{table}: scanned {counts.scanned}, stamped {counts.updated}, right {counts.right}, "
            f"moved by writers {counts.moved}, gone {counts.gone}, throttled {counts.throttled}",
            flush=True,
        )

    print(f"backfill of {table} from {before} to {shards} shards at {args.rate:g}/s; checkpoint {checkpoint}")
    counts = Backfill(client, table, shards, checkpoint, args.rate, args.segments, on_page=report).run()
    left = records_not_right(client, table, shards)
    if left:
        print(
            f"done: {counts}; but {left} records are not right again: functions still on the "
            "configuration before (make publish, and wait their timeout), then run it again",
            file=sys.stderr,
        )
        return 1
    print(
        f'done: {counts}, every record checked. Now deploy with StatusIndexShardsBefore="", '
        "then make publish."
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Unavailable as err:  # DynamoDB (Local) not there: say where, in one line
        print(f"error: {err} (locally: is make start running, on this DDB_PORT?)", file=sys.stderr)
        sys.exit(1)
