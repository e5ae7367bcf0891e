"""``python -m devstack start`` (``make start``), ``python -m devstack invoke`` (``make invoke``)
and ``python -m devstack expand`` (``make lint``: the template its linters read)."""

import argparse
import json
import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from devstack.dynamodb_local import SetupError, port_is_free
from devstack.local_issuer import SCOPES, LocalIssuer, issuer_url
from devstack.reload import Watcher
from devstack.runtime import FunctionCrashed
from devstack.stack import DATA_DIR, LocalStack, serve_api
from devstack.template import load_template, parameter_problems

# make start with no parameters is the dev stack (samconfig.toml's [dev]): open. With some, it
# is the template's defaults and those, as sam deploy --parameter-overrides makes a stack.
LOCAL_PARAMETERS = {"ApiAuth": "NONE"}


def parameter_overrides(text: str) -> dict[str, str]:
    """``Name=Value Name=Value``, as ``sam deploy --parameter-overrides`` takes them, and
    refused as CloudFormation would refuse them: a mistyped ``ApiAuth`` must not serve an
    open API where a deploy would have stopped."""
    pairs = [pair.partition("=") for pair in text.split()]
    wrong = [name for name, equals, _ in pairs if not equals or not name]
    if wrong:
        raise SetupError(f"parameter overrides are Name=Value pairs: {' '.join(wrong)!r} is not one")
    overrides = {name: value for name, _, value in pairs}
    problems = parameter_problems(load_template(), overrides)
    if problems:
        raise SetupError("; ".join(problems))
    return overrides


class Stopped(Exception):
    """SIGTERM, turned into an exception so that every ``finally`` runs."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    start = commands.add_parser("start", help="serve the whole API locally")
    start.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    start.add_argument("--ddb-port", type=int, default=8000, help="DynamoDB Local port (default 8000)")
    start.add_argument("--in-memory", action="store_true", help="keep no data after stopping")
    start.add_argument("--pool-size", type=int, default=4, help="sandboxes per function (default 4)")
    start.add_argument("--in-process", action="store_true", help="run handlers in this process, no emulator")
    start.add_argument("--no-build", action="store_true", help="serve the existing .aws-sam/build")
    start.add_argument(
        "--no-reload", action="store_true", help="do not rebuild and serve saved sources (hot reload)"
    )
    start.add_argument(
        "--parameter-overrides",
        default="",
        metavar="'Name=Value ...'",
        help="template parameters, as sam deploy takes them (default: ApiAuth=NONE, the dev stack's)",
    )

    token = commands.add_parser(
        "token", help="an access token of make start's local user pool (ApiAuth=COGNITO)"
    )
    token.add_argument(
        "scopes", nargs="*", default=list(SCOPES), help="its scopes (default: tables/read tables/write)"
    )
    token.add_argument(
        "--port", type=int, default=3000, help="the local API's port, part of the issuer (default 3000)"
    )
    token.add_argument("--lifetime", type=int, default=3600, help="seconds until it expires (default 3600)")

    invoke = commands.add_parser("invoke", help="run one event through one function, like sam local invoke")
    invoke.add_argument("function", help="logical id in template.yaml, e.g. GetItemFunction")
    invoke.add_argument("event", type=Path, help="an API Gateway event, e.g. events/get_item.json")
    invoke.add_argument("--ddb-port", type=int, default=8000)
    invoke.add_argument("--no-build", action="store_true")
    invoke.add_argument(
        "--in-process", action="store_true", help="run the handler in this process, no emulator"
    )

    expand = commands.add_parser(
        "expand", help="write template.yaml with its Fn::ForEach loops written out, as JSON"
    )
    expand.add_argument("output", type=Path, help="the file to write, e.g. .aws-sam/expanded/template.json")

    args = parser.parse_args(argv)
    if args.command == "token":
        print(LocalIssuer(issuer_url(args.port)).mint(args.scopes, lifetime=args.lifetime))
        return 0
    if args.command == "expand":
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(load_template(), indent=1) + "\n")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # SAM CLI's emulation says so for every answer without a body (each 204): noise here.
    logging.getLogger("samcli.local.apigw.local_apigw_service").addFilter(
        lambda record: not record.getMessage().startswith("No Content-Type given")
    )
    # What SAM CLI's emulation cannot check, devstack.gateway checks: the start banner says
    # what is enforced instead of SAM CLI's line per route, and Flask's own warning goes too.
    logging.getLogger("samcli.lib.providers.api_collector").addFilter(
        lambda record: not record.getMessage().startswith("Authorizer '")
    )
    logging.getLogger("werkzeug").addFilter(
        lambda record: not any(noise in record.getMessage() for noise in ("development server", "CTRL+C"))
    )
    signal.signal(signal.SIGTERM, _raise_stopped)
    # Ctrl-C stops the stack even when it was started as a script's background job, which
    # inherits SIGINT ignored (and Python then installs no KeyboardInterrupt for it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command == "start":
            return _start(args)
        return _invoke(args)
    except (SetupError, FunctionCrashed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped):
        return 0


def _start(args: argparse.Namespace) -> int:
    from samcli.local.docker.exceptions import ProcessSigTermException

    if not port_is_free(args.port):
        raise SetupError(f"port {args.port} is already in use: set PORT to a free port")
    stack = LocalStack(
        ddb_port=args.ddb_port,
        data_dir=None if args.in_memory else DATA_DIR,
        pool_size=args.pool_size,
        in_process=args.in_process,
        build=not args.no_build,
        parameters=parameter_overrides(args.parameter_overrides) or LOCAL_PARAMETERS,
    )
    watcher = None if args.no_reload else Watcher(stack)
    try:
        stack.start()
        if watcher is not None:
            watcher.start()
        serve_api(stack, args.port)
    except ProcessSigTermException:  # SAM CLI's server turns SIGTERM into this
        pass
    finally:
        print("Stopping the local stack ...", file=sys.stderr)
        if watcher is not None:
            watcher.stop()
        stack.stop()
        if watcher is not None:
            watcher.remove_builds()
    return 0


def _invoke(args: argparse.Namespace) -> int:
    if not args.event.is_file():
        raise SetupError(f"no event file {args.event}")
    stack = LocalStack(ddb_port=args.ddb_port, build=not args.no_build, in_process=args.in_process)
    stack.start(serve=False)
    runtime = None
    try:
        runtime = stack.runtime_factory(args.function)()
        runtime.start()
        response = json.loads(runtime.invoke(args.event.read_bytes()))
        print(json.dumps(response, indent=2, ensure_ascii=False))
        deadline = time.monotonic() + 2  # the REPORT line trails the response a little
        while not runtime.last_report and time.monotonic() < deadline:
            time.sleep(0.02)
        for line in (runtime.last_init_report, runtime.last_report):
            if line:
                print(line.split("(rapid) ", 1)[-1])
    finally:
        if runtime is not None:
            runtime.stop()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
