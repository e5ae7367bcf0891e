"""The whole API on this host: ``sam build`` output, DynamoDB Local, the runtime emulator,
and SAM CLI's own API Gateway emulation in front, with no container anywhere."""

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devstack import api_docs
from devstack.dynamodb_local import DynamoDBLocal, SetupError, port_is_free
from devstack.gateway import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_REGION,
    LOCAL_SECRET_ACCESS_KEY,
    Gateway,
    Refused,
    Request,
    describe,
)
from devstack.local_issuer import JWKS_PATH, issuer_url
from devstack.logs import readable
from devstack.runtime import (
    EmulatedRuntime,
    FunctionCrashed,
    FunctionSpec,
    InProcessRuntime,
    LogSink,
    Runtime,
    RuntimePool,
    emulator_binary,
)
from devstack.template import ROOT, adopted_tables, load_template, table_definitions

BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILT_TEMPLATE = BUILD_DIR / "template.yaml"
DATA_DIR = ROOT / ".local" / "dynamodb"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
}

log = logging.getLogger("devstack")


def sam_build(build_dir: Path = BUILD_DIR) -> None:
    """``sam build``: the same layer and function artifacts ``sam deploy`` would upload."""
    sam = Path(sys.executable).parent / "sam"
    log_path = ROOT / ".local" / "sam-build.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # A build elsewhere (hot reload's) keeps a cache of its own beside it: sam build prunes
    # from its cache what its own build graph does not name, another build's included.
    cache = [] if build_dir == BUILD_DIR else ["--cache-dir", str(build_dir.parent / "cache")]
    with log_path.open("wb") as output:
        result = subprocess.run(  # noqa: S603 - fixed command, no shell
            # --language-extensions: template.yaml declares its functions in a Fn::ForEach.
            [str(sam), "build", "--language-extensions", "--build-dir", str(build_dir), *cache],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise SetupError(f"sam build failed (exit {result.returncode}); see {_shown(log_path)}")


def dynamodb_client(endpoint_url: str, attempts: int = 3, read_timeout: float = 5) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=2,
            read_timeout=read_timeout,
        ),
    )


def ensure_tables(client: Any, parameters: dict[str, str] | None = None) -> None:
    """Create each template table the stack would create, named by its logical id as SAM CLI
    resolves its ``Ref``, with the same parameter overrides as the functions
    (``StatusIndexShards`` picks an index).

    An existing table is kept, data and all (asking rather than listing, which would read
    only the first page of a shared DynamoDB Local's tables), and given the indexes the
    template gives now as a CloudFormation update would (:func:`apply_index_change`): one
    index created or deleted (a step of changing ``StatusIndexShards``); what an update
    would refuse is refused here too. A table named by ``Existing<Id>Name`` (an adopted
    one: the seed's, say) is never created nor changed: it must exist, with the template's
    keys and indexes.
    """
    adopted = adopted_tables(parameters=parameters)
    for logical_id, definition in table_definitions(parameters=parameters).items():
        if logical_id in adopted:
            _check_adopted(client, logical_id, adopted[logical_id], definition)
            continue
        try:
            client.create_table(TableName=logical_id, **definition)
        except client.exceptions.ResourceInUseException:
            try:
                change = apply_index_change(client, logical_id, definition)
            except IndexChangeRefused as refused:
                raise SetupError(
                    f"the kept table {logical_id} cannot become what template.yaml gives with "
                    f"{parameters or 'the default parameters'}: {refused}. `make reset` deletes the local "
                    "data, or start with the parameters it was made with (README, Changing "
                    "StatusIndexShards, changes one index at a time)"
                ) from None
            if change:
                log.info("%s: %s", logical_id, change)
            continue
        client.get_waiter("table_exists").wait(TableName=logical_id, WaiterConfig={"Delay": 1})


def _check_adopted(client: Any, logical_id: str, name: str, definition: dict[str, Any]) -> None:
    parameter = f"Existing{logical_id}Name"
    try:
        table = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        raise SetupError(
            f"the table {name} ({parameter}) does not exist in this DynamoDB Local: create it first, "
            "as the seed does, with create_table and the seed's schema (README, \"The layer, as the "
            f'seed uses it"), or leave {parameter} out to have {logical_id} created'
        ) from None
    if _keys(table) != _keys(definition):
        raise SetupError(
            f"the table {name} ({parameter}) has other keys or indexes than {logical_id} in template.yaml: "
            "the API serves only tables of the seed's schema"
        )


def _keys(table: dict[str, Any]) -> tuple[object, ...]:
    """A table's key schema and its indexes' names and key schemas, comparable."""
    indexes = table.get("GlobalSecondaryIndexes", [])
    return (
        table["KeySchema"],
        sorted((index["IndexName"], str(index["KeySchema"])) for index in indexes),
    )


class IndexChangeRefused(ValueError):
    """What a CloudFormation update of the table would refuse too."""


def apply_index_change(client: Any, table_name: str, definition: dict[str, Any]) -> str | None:
    """Give an existing table the global secondary indexes of ``definition`` (CreateTable's
    arguments), as CloudFormation updates a table: one index created or deleted, with the
    attribute definitions that then hold; it waits until the table and its indexes are
    ACTIVE (CloudFormation does not wait for a new index's backfill; the re-shard's
    backfill does). Returns what it did, None for nothing.

    Raises:
        IndexChangeRefused: the key schema differs, an index's keys or projection differ,
            or more than one index would be created or deleted.
    """
    table = client.describe_table(TableName=table_name)["Table"]
    if table["KeySchema"] != definition["KeySchema"]:
        raise IndexChangeRefused("its key schema differs, which only a new table can change")
    have = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    want = {index["IndexName"]: index for index in definition.get("GlobalSecondaryIndexes", [])}
    changed = sorted(
        name for name in set(have) & set(want) if _index_keys(have[name]) != _index_keys(want[name])
    )
    if changed:
        raise IndexChangeRefused(f"index {', '.join(changed)} has other keys")
    created, deleted = sorted(set(want) - set(have)), sorted(set(have) - set(want))
    if len(created) + len(deleted) > 1:
        raise IndexChangeRefused(
            f"it would create {created or 'none'} and delete {deleted or 'none'}: one index per update"
        )
    if created:
        update: dict[str, Any] = {
            "AttributeDefinitions": definition["AttributeDefinitions"],
            "GlobalSecondaryIndexUpdates": [{"Create": want[created[0]]}],
        }
        done = f"created index {created[0]}"
    elif deleted:
        update = {"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": deleted[0]}}]}
        done = f"deleted index {deleted[0]}"
    else:
        return None
    client.update_table(TableName=table_name, **update)
    wait_until_active(client, table_name)
    return done


def wait_until_active(client: Any, table_name: str, timeout: float = 300) -> None:
    """Until the table and each of its indexes are ACTIVE (an index deleted is gone)."""
    deadline = time.monotonic() + timeout
    while True:
        table = client.describe_table(TableName=table_name)["Table"]
        statuses = [
            table["TableStatus"],
            *(i["IndexStatus"] for i in table.get("GlobalSecondaryIndexes", [])),
        ]
        if set(statuses) == {"ACTIVE"}:
            return
        if time.monotonic() > deadline:
            raise SetupError(f"{table_name} not ACTIVE after {timeout:.0f} s: {statuses}")
        time.sleep(0.2)


def _index_keys(index: dict[str, Any]) -> tuple[object, ...]:
    return (index["KeySchema"], index.get("Projection", {}).get("ProjectionType"))


def is_dynamodb(endpoint_url: str) -> bool:
    """Whether a DynamoDB (Local) already answers there, so it can be shared."""
    try:
        # Once, briefly: DynamoDB Local answers in milliseconds, and a port held by something
        # else would otherwise keep a user waiting for three attempts of five seconds.
        dynamodb_client(endpoint_url, attempts=1, read_timeout=2).list_tables(Limit=1)
    except (BotoCoreError, ClientError):
        return False
    return True


def function_specs(
    endpoint_url: str, parameters: dict[str, str] | None = None, built_template: Path = BUILT_TEMPLATE
) -> dict[str, FunctionSpec]:
    """Every built function, with the template's environment resolved for the local stack."""
    from samcli.lib.providers.sam_function_provider import SamFunctionProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    stacks, _ = SamLocalStackProvider.get_stacks(
        str(built_template), parameter_overrides=parameters or {}, language_extensions_enabled=True
    )
    adopted = adopted_tables(parameters=parameters)
    tables = (set(table_definitions()) - set(adopted)) | set(adopted.values())
    specs = {}
    for function in SamFunctionProvider(stacks).get_all():
        raw = (function.environment or {}).get("Variables", {})
        # An intrinsic SAM CLI could not resolve stays a dict ({"Fn::If": ...}).
        unresolved = sorted(name for name, value in raw.items() if isinstance(value, dict))
        if unresolved:
            raise SetupError(f"{function.name}: cannot resolve {unresolved} locally")
        variables = {name: str(value) for name, value in raw.items()}
        for name, value in variables.items():
            if name.endswith("_TABLE_NAME") and value not in tables:
                raise SetupError(f"{function.name}: {name}={value} names no table in template.yaml")
        specs[function.name] = FunctionSpec(
            logical_id=function.name,
            code_dir=(ROOT / str(function.codeuri)).resolve(),
            handler=str(function.handler),
            timeout=int(function.timeout or 3),
            memory=int(function.memory or 128),
            environment={
                **variables,
                "AWS_ENDPOINT_URL_DYNAMODB": endpoint_url,
                "AWS_REGION": LOCAL_REGION,
                "AWS_DEFAULT_REGION": LOCAL_REGION,
                **LOCAL_CREDENTIALS,
            },
            layer_dirs=tuple((ROOT / str(layer.codeuri)).resolve() for layer in function.layers),
        )
    return specs


def runtime_factory(spec: FunctionSpec, log_sink: LogSink, in_process: bool) -> Callable[[], Runtime]:
    emulator = None if in_process else emulator_binary()
    if emulator is None:
        return lambda: InProcessRuntime(spec, log_sink)
    return lambda: EmulatedRuntime(spec, emulator, log_sink)


class EmulatorLambdaRunner:
    """What SAM CLI's ``LocalApigwService`` calls to invoke a function: here, a pool."""

    def __init__(self, pools: dict[str, RuntimePool]) -> None:
        self.pools = pools

    def is_debugging(self) -> bool:
        return False

    def invoke(self, function_identifier: str, event: str, stdout: Any = None, **_: Any) -> None:
        try:
            payload = self.pools[function_identifier].invoke(event.encode())
        except FunctionCrashed as err:
            # What Lambda returns when a sandbox dies; API Gateway answers it with a 502.
            payload = json.dumps({"errorMessage": str(err), "errorType": "Runtime.ExitError"}).encode()
        if stdout is not None:
            stdout.write_str(payload.decode())


def print_log_line(function: str, line: str) -> None:
    """Function output, readable (devstack.logs), and the emulator's START/END/REPORT lines;
    its own chatter is dropped."""
    if "(rapid)" in line:
        return
    sys.stderr.write(f"[{function}] {readable(line)}\n")


@dataclass
class LocalStack:
    """DynamoDB Local, the tables, and a runtime pool per function, started and stopped together."""

    ddb_port: int
    data_dir: Path | None = DATA_DIR
    pool_size: int = 4
    in_process: bool = False
    build: bool = True
    log_sink: LogSink = print_log_line
    parameters: dict[str, str] = field(default_factory=dict)
    dynamodb: DynamoDBLocal | None = None
    pools: dict[str, RuntimePool] = field(default_factory=dict)
    specs: dict[str, FunctionSpec] = field(default_factory=dict)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ddb_port}"

    def start(self, serve: bool = True) -> "LocalStack":
        """Build, start DynamoDB Local, create the tables; with ``serve``, a pool per function."""
        try:
            if self.build:
                log.info("Building with sam build ...")
                sam_build()
            self._start_dynamodb()
            ensure_tables(dynamodb_client(self.endpoint_url), self.parameters)
            self.specs = function_specs(self.endpoint_url, self.parameters)
            if self.in_process or emulator_binary() is None:
                log.warning("No Lambda runtime emulator for this host: running handlers in this process")
            for name in sorted(self.specs) if serve else []:
                self.pools[name] = RuntimePool(self.runtime_factory(name), self.pool_size)
                self.pools[name].warm()
        except BaseException:
            self.stop()
            raise
        return self

    def runtime_factory(self, function: str) -> Callable[[], Runtime]:
        if function not in self.specs:
            raise SetupError(
                f"no function {function!r} in template.yaml; there are: {', '.join(sorted(self.specs))}"
            )
        return runtime_factory(self.specs[function], self.log_sink, self.in_process)

    def use(self, specs: dict[str, FunctionSpec]) -> list[str]:
        """Serve these builds: the pool of each function whose build changed is recycled, so
        its next sandbox starts from the new one. Returns those functions."""
        changed = sorted(name for name, spec in specs.items() if self.specs.get(name) != spec)
        self.specs = {**self.specs, **specs}
        for name in changed:
            if name in self.pools:
                self.pools[name].recycle(self.runtime_factory(name))
            elif self.pools:  # a function new in template.yaml
                self.pools[name] = RuntimePool(self.runtime_factory(name), self.pool_size)
        return changed

    def stop(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools = {}
        if self.dynamodb is not None:
            self.dynamodb.stop()
            self.dynamodb = None

    def _start_dynamodb(self) -> None:
        if not port_is_free(self.ddb_port):
            if is_dynamodb(self.endpoint_url):
                log.info("Using the DynamoDB Local already running on port %d", self.ddb_port)
                return
            raise SetupError(f"port {self.ddb_port} is in use by something else: set DDB_PORT to a free port")
        where = f"data in {_shown(self.data_dir)}" if self.data_dir else "in memory"
        log.info("Starting DynamoDB Local on port %d (%s) ...", self.ddb_port, where)
        self.dynamodb = DynamoDBLocal(self.ddb_port, self.data_dir).start()


def api_gateway_emulation(
    api: Any, runner: EmulatorLambdaRunner, port: int, host: str, gateway: Gateway
) -> Any:
    """SAM CLI's ``LocalApigwService``, answering as API Gateway does where it does not.

    - Callers are checked as the template declares for the stack's parameters
      (``devstack.gateway``): SigV4, a Cognito token and its scope, an API key and its usage
      plan, CORS preflights. A refusal is the template's gateway response, and an admitted
      request's event carries what API Gateway adds (the token's claims, the signer, the
      key's id). SAM CLI checks none of them.
    - A greedy ``{key+}`` matches any character. SAM CLI compiles it with Werkzeug and the
      pattern ``.+``, whose ``.`` skips a newline, so a key holding ``%0A`` found no route
      (403) instead of its function (a 422 naming the key). The rules are compiled while
      ``create()`` runs, so the pattern is widened for that call only.
    - A path no route serves, or a method a path does not declare, gets API Gateway's
      answer as the template's ``GatewayResponses`` declare it (403, an RFC 9457 problem).
      Flask adds HEAD to every GET rule by itself, and SAM CLI, finding no route for it,
      failed with a 502.

    It also serves the API reference at ``/docs`` (``devstack.api_docs``), a path of this
    local API only: GET (and HEAD) of the page, its assets and the spec; anything else
    there is a path no route serves, API Gateway's 403 as above. With ``ApiAuth=COGNITO``
    the local pool's JWKS is served too (``devstack.local_issuer``).
    """
    import contextvars

    from flask import Response, request, send_file
    from samcli.local.apigw import local_apigw_service
    from werkzeug.exceptions import MethodNotAllowed

    admitted: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("admitted")

    def seen(route: str | None = None) -> Request:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        path, _, query = raw.partition("?")
        return Request(request.method, path, query, dict(request.headers), request.get_data(), route)

    def gateway_response(kind: str, why: str = "") -> Any:
        status, headers, body = gateway.answer(kind, seen())
        if why:
            log.info("API Gateway %d %s for %s %s: %s", status, kind, request.method, request.path, why)
        return Response(body, status=status, headers=headers)

    def no_route(*_: Any) -> Any:
        return gateway_response("MISSING_AUTHENTICATION_TOKEN")

    def preflight() -> Any:
        """API Gateway's answer to an OPTIONS on a path of the API (a 405 to Flask)."""
        on_a_path = request.url_rule is not None or isinstance(request.routing_exception, MethodNotAllowed)
        if request.method != "OPTIONS" or not on_a_path or request.path.startswith(api_docs.DOCS_PATH):
            return None
        answer = gateway.preflight(seen())
        if answer is None:
            return no_route()
        status, headers, body = answer
        return Response(body, status=status, headers=headers, mimetype="application/json")

    def docs_page() -> Any:
        return Response(api_docs.index_html(api_docs.DOCS_PATH), mimetype="text/html")

    def docs_file(name: str) -> Any:
        if name == api_docs.SPEC:
            origin = request.host_url.rstrip("/")
            return Response(
                json.dumps(api_docs.spec(origin, api_docs.LOCAL_SERVER)), mimetype="application/json"
            )
        if name == api_docs.INITIALIZER:
            return Response(api_docs.initializer_js(api_docs.DOCS_PATH), mimetype="text/javascript")
        path = api_docs.asset(name)
        return no_route() if path is None else send_file(path, mimetype=api_docs.ASSETS[name])

    def jwks() -> Any:
        return Response(
            json.dumps(gateway.issuer.jwks() if gateway.issuer else {}), mimetype="application/json"
        )

    class ApiGatewayEmulation(local_apigw_service.LocalApigwService):  # type: ignore[misc]
        def create(self) -> None:
            converter = local_apigw_service.CatchAllPathConverter
            narrow, converter.regex = converter.regex, r"[\s\S]+"
            try:
                super().create()
            finally:
                converter.regex = narrow
            views = [(api_docs.DOCS_PATH, docs_page), (f"{api_docs.DOCS_PATH}/<name>", docs_file)]
            if gateway.issuer is not None:
                views.append((JWKS_PATH, jwks))
            for rule, view in views:
                self._app.add_url_rule(rule, view_func=view, methods=["GET"], provide_automatic_options=False)
            self._app.before_request(preflight)

        def _construct_error_handling(self) -> None:
            super()._construct_error_handling()
            self._app.register_error_handler(404, no_route)  # no route has this path
            self._app.register_error_handler(405, no_route)  # ... or this method

        def _request_handler(self, **kwargs: Any) -> Any:
            try:
                route = self._get_current_route(request)
            except KeyError:
                return no_route()
            try:
                admitted.set(gateway.admit(seen(route.path)))
            except Refused as refused:
                return gateway_response(refused.kind, refused.why)
            return super()._request_handler(**kwargs)

        def _generate_lambda_event(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            event: dict[str, Any] = super()._generate_lambda_event(*args, **kwargs)
            context = admitted.get({})
            event["requestContext"].setdefault("identity", {}).update(context.get("identity", {}))
            if "authorizer" in context:
                event["requestContext"]["authorizer"] = context["authorizer"]
            return event

    return ApiGatewayEmulation(api=api, lambda_runner=runner, port=port, host=host)


def serve_api(stack: LocalStack, port: int, host: str = "127.0.0.1") -> None:
    """SAM CLI's API Gateway emulation, with routes from the built template; blocks."""
    from samcli.lib.providers.api_provider import ApiProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    if not port_is_free(port, host):
        raise SetupError(f"port {port} is already in use: set PORT to a free port")
    api_docs.require_installed()
    stacks, _ = SamLocalStackProvider.get_stacks(
        str(BUILT_TEMPLATE), parameter_overrides=stack.parameters, language_extensions_enabled=True
    )
    api = ApiProvider(stacks, cwd=str(BUILD_DIR)).api
    gateway = Gateway.from_template(
        load_template(BUILT_TEMPLATE), stack.parameters, issuer_url(port, host), f"{host}:{port}"
    )
    service = api_gateway_emulation(api, EmulatorLambdaRunner(stack.pools), port, host, gateway)
    service.create()
    print(f"\nAPI running at http://{host}:{port}  (DynamoDB Local at {stack.endpoint_url})", flush=True)
    for line in describe(gateway):
        print(line, flush=True)
    print(f"API reference (Swagger UI, try it out) at http://{host}:{port}{api_docs.DOCS_PATH}", flush=True)
    for route in sorted(api.routes, key=lambda route: (route.path, route.methods)):
        print(f"  {', '.join(route.methods):<10} http://{host}:{port}{route.path}  ->  {route.function_name}")
    print("Press Ctrl-C to stop.\n", flush=True)
    service.run()


def _shown(path: Path) -> str:
    """A path as a user reads it: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
