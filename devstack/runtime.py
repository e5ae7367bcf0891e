"""Lambda sandboxes on the host: AWS's Runtime Interface Emulator running ``awslambdaric``.

The emulator (shipped inside the aws-sam-cli wheel) is the same one SAM CLI puts in its
containers. One emulator process serves one invocation at a time (a second concurrent
one makes it panic), so each function gets a small pool of them, as Lambda gives
concurrent invocations separate sandboxes.
"""

import contextlib
import http.client
import importlib.util
import io
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import samcli

from devstack.dynamodb_local import SetupError, free_ports, port_is_free
from devstack.template import ROOT

RIE_DIR = Path(samcli.__file__).resolve().parent / "local" / "rapid"
# Only what Lambda's python3.13 runtime holds (requirements/lambda-runtime.in), so a
# handler cannot lean on a package of the development venv: `make deps` makes it.
LAMBDA_PYTHON = ROOT / ".venv-lambda" / "bin" / "python"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

LogSink = Callable[[str, str], None]  # (function logical id, line)


@dataclass(frozen=True)
class FunctionSpec:
    """What a sandbox needs to run one built function, as the template describes it."""

    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...] = field(default=())
    python: Path = LAMBDA_PYTHON  # the sandbox's interpreter: make bench also runs another SDK's venv

    def python_path(self) -> list[str]:
        """Lambda's order: the function's code, then each layer's ``python/`` (``/opt/python``)."""
        return [str(self.code_dir), *(str(layer / "python") for layer in self.layer_dirs)]


class FunctionCrashed(RuntimeError):
    """The sandbox died or did not answer; it is thrown away and replaced."""


class Runtime(Protocol):
    last_report: str
    last_init_report: str

    def start(self) -> None: ...
    def invoke(self, payload: bytes) -> bytes: ...
    def stop(self) -> None: ...
    @property
    def alive(self) -> bool: ...


def emulator_binary() -> Path | None:
    """The emulator for this host, or None where there is none (macOS, other CPUs)."""
    if platform.system() != "Linux":
        return None
    architecture = _ARCHITECTURES.get(platform.machine().lower())
    binary = RIE_DIR / f"aws-lambda-rie-{architecture}"
    return binary if architecture and binary.is_file() else None


class EmulatedRuntime:
    """One sandbox: the emulator process and the Python runtime it starts."""

    # Sandboxes start one at a time: a port probed free is only free until someone
    # binds it, and two emulators handed the same port make one panic at start-up.
    _starting = threading.Lock()

    def __init__(self, spec: FunctionSpec, emulator: Path, log: LogSink) -> None:
        self.spec = spec
        self.emulator = emulator
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.last_report = ""
        self.last_init_report = ""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with self._starting:
            self._start()

    def _start(self) -> None:
        if not self.spec.python.is_file():
            raise SetupError(f"no Lambda-like Python at {self.spec.python}: run `make deps`")
        self.port, runtime_api_port = free_ports(2)
        command = [
            str(self.emulator),
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.port}",
            "--runtime-api-address",
            f"127.0.0.1:{runtime_api_port}",
            str(self.spec.python),
            "-m",
            "awslambdaric",
            self.spec.handler,
        ]
        # A session of its own: stop() ends the emulator and its runtime together, and
        # the terminal's Ctrl-C reaches only the devstack, which then stops them.
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            cwd=self.spec.code_dir,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._pump_output, daemon=True).start()
        deadline = time.monotonic() + 10
        while port_is_free(self.port):
            if not self.alive or time.monotonic() > deadline:
                self.stop()
                raise FunctionCrashed(f"{self.spec.logical_id}: the runtime emulator did not start")
            time.sleep(0.02)

    def invoke(self, payload: bytes) -> bytes:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{INVOKE_PATH}", data=payload, method="POST"
        )
        try:
            # S310: the URL is always http://127.0.0.1, built above.
            with urllib.request.urlopen(request, timeout=self.spec.timeout + 5) as response:  # noqa: S310
                body: bytes = response.read()
        except urllib.error.HTTPError as err:
            # A failed INIT (Runtime.ImportModuleError, say) comes back as 502 with Lambda's
            # error payload, which is what Lambda's Invoke returns: hand it on. Lambda starts
            # the next invocation in a fresh sandbox, so this one goes.
            failure = err.read()
            self.stop()
            if _is_error_payload(failure):
                return failure
            raise FunctionCrashed(f"{self.spec.logical_id}: the emulator answered {err.code}") from err
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            # The sandbox died or broke off (OSError covers timeouts and resets).
            self.stop()
            raise FunctionCrashed(f"{self.spec.logical_id}: {type(err).__name__}: {err}") from err
        if body.startswith(b"Task timed out"):
            # The emulator's plain-text word for a timeout, while the handler runs on in
            # this sandbox: Lambda answers with its error payload and starts a fresh one.
            self.stop()
            return json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": body.decode()}).encode()
        return body

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _environment(self) -> dict[str, str]:
        """A clean Lambda-like environment: the template's variables and the reserved ones."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            # Lambda's /var/task and /opt are read-only: what ships without bytecode is
            # compiled again on every cold start, here too.
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": os.pathsep.join(self.spec.python_path()),
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "_HANDLER": self.spec.handler,
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.logical_id,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.spec.logical_id}",
            **self.spec.environment,
        }

    def _pump_output(self) -> None:
        process = self.process
        if process is None or process.stdout is None:
            return
        for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("REPORT RequestId"):
                self.last_report = line
            elif "INIT REPORT" in line:
                self.last_init_report = line
            self.log(self.spec.logical_id, line)


class InProcessRuntime:
    """The fallback where no emulator binary exists: the handler imported into this process.

    One invocation at a time in the whole process: Powertools keeps the current event in
    class attributes every handler shares, so two at once would read each other's events
    (separate sandboxes never can).
    """

    _import_lock = threading.Lock()
    _invoke_lock = threading.Lock()

    def __init__(self, spec: FunctionSpec, log: LogSink) -> None:
        self.spec = spec
        self.log = log
        self.module: ModuleType | None = None
        self.last_report = ""
        self.last_init_report = ""

    @property
    def alive(self) -> bool:
        return self.module is not None

    def start(self) -> None:
        module_name, _, _ = self.spec.handler.rpartition(".")
        with self._import_lock:
            os.environ.update(self.spec.environment)
            layers = self.spec.python_path()[1:]
            _forget_other_builds(layers)
            for entry in reversed(layers):
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            started = time.perf_counter()
            location = self.spec.code_dir / f"{module_name.replace('.', '/')}.py"
            module = import_file(location, f"{self.spec.logical_id}_handler")
            self.last_init_report = f"INIT REPORT (in process) durationMs: {_millis(started):.2f}"
            self.module = module

    def invoke(self, payload: bytes) -> bytes:
        if self.module is None:
            raise FunctionCrashed(f"{self.spec.logical_id}: not started")
        function_name = self.spec.handler.rpartition(".")[2]
        started = time.perf_counter()
        printed = io.StringIO()  # what the handler prints (its metrics) is its log, as in Lambda
        try:
            with self._invoke_lock, contextlib.redirect_stdout(printed):
                result: Any = getattr(self.module, function_name)(json.loads(payload), _Context(self.spec))
        except Exception as err:  # the runtime's own contract: an error payload, not a crash
            result = {"errorMessage": str(err), "errorType": type(err).__name__}
        for line in printed.getvalue().splitlines():
            self.log(self.spec.logical_id, line)
        self.last_report = f"REPORT (in process) Duration: {_millis(started):.2f} ms"
        self.log(self.spec.logical_id, self.last_report)
        return json.dumps(result).encode()

    def stop(self) -> None:
        self.module = None


def _forget_other_builds(layers: list[str]) -> None:
    """Another build of these layers (a hot reload's) leaves ``sys.path`` and ``sys.modules``,
    so that this process imports the layers anew, as a new sandbox would."""
    names = {Path(layer).parent.name for layer in layers}
    other = [
        entry
        for entry in sys.path
        if entry not in layers and Path(entry).name == "python" and Path(entry).parent.name in names
    ]
    for entry in other:
        sys.path.remove(entry)
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if any(location.startswith(entry + os.sep) for entry in other):
            del sys.modules[name]


def import_file(path: Path, name: str) -> ModuleType:
    """The module in ``path``, imported under ``name``: one handler's ``app.py`` beside others."""
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise FunctionCrashed(f"cannot load {path}")
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


class RuntimePool:
    """Up to ``size`` sandboxes of one function, each given one invocation at a time."""

    def __init__(self, factory: Callable[[], Runtime], size: int) -> None:
        self.factory = factory
        self.size = size
        self._idle: list[Runtime] = []
        self._busy: set[Runtime] = set()
        self._outdated: set[Runtime] = set()  # busy while recycled: they end when released
        self._count = 0
        self._closed = False
        self._available = threading.Condition()

    def warm(self) -> None:
        """Start one sandbox ahead of the first request (its INIT still runs on that request)."""
        self._release(self._acquire())

    def invoke(self, payload: bytes) -> bytes:
        runtime = self._acquire()
        try:
            return runtime.invoke(payload)
        finally:
            self._release(runtime)

    def recycle(self, factory: Callable[[], Runtime]) -> None:
        """New sandboxes come from ``factory`` (a new build); the running ones end when idle."""
        with self._available:
            self.factory = factory
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._outdated |= self._busy
            self._available.notify_all()
        for runtime in idle:
            runtime.stop()

    def close(self) -> None:
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._available.notify_all()
        for runtime in idle:
            runtime.stop()

    def _acquire(self) -> Runtime:
        with self._available:
            while True:
                if self._closed:
                    raise FunctionCrashed("the local stack is shutting down")
                while self._idle:
                    idle = self._idle.pop()
                    if idle.alive:
                        self._busy.add(idle)
                        return idle
                    self._count -= 1  # died while idle: replaced below
                if self._count < self.size:
                    self._count += 1
                    factory = self.factory
                    break
                self._available.wait()
        try:
            runtime = factory()
            runtime.start()
        except BaseException:
            with self._available:
                self._count -= 1
                self._available.notify()
            raise
        with self._available:
            self._busy.add(runtime)
            if factory is not self.factory:  # recycled while it started
                self._outdated.add(runtime)
        return runtime

    def _release(self, runtime: Runtime) -> None:
        with self._available:
            self._busy.discard(runtime)
            outdated = runtime in self._outdated
            self._outdated.discard(runtime)
            keep = runtime.alive and not self._closed and not outdated
            if keep:
                self._idle.append(runtime)
            else:
                self._count -= 1
            self._available.notify()
        if not keep:
            runtime.stop()


@dataclass
class _Context:
    """The Lambda context object for the in-process fallback."""

    spec: FunctionSpec
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def function_name(self) -> str:
        return self.spec.logical_id

    @property
    def memory_limit_in_mb(self) -> int:
        return self.spec.memory

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.spec.logical_id}"

    def get_remaining_time_in_millis(self) -> int:
        return self.spec.timeout * 1000


def _is_error_payload(body: bytes) -> bool:
    """Whether ``body`` is Lambda's error payload (``errorType``, ``errorMessage``)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return isinstance(payload, dict) and "errorType" in payload


def _millis(started: float) -> float:
    return (time.perf_counter() - started) * 1000
