"""A devstack serving a copy of the project, edited while it serves: the hot reload's tests
and its bench (``bench/reload.py``) save files there and wait for the API to answer anew."""

import contextlib
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devstack.dynamodb_local import free_port
from tests.support.processes import copy_project, interrupt, start_devstack, wait_until_serving

HEADER = "X-Reload-Test"
HANDLER = Path("functions/get_item/app.py")
LAYER_MODULE = Path("layers/dynamo_tables/tables_api/problems.py")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


@dataclass(frozen=True)
class Served:
    """A devstack serving a copy of the project at ``root``, with its log."""

    root: Path
    url: str
    log: Path

    def get(self, path: str) -> Answer:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as response:  # noqa: S310 - loopback
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as err:
            return Answer(err.code, dict(err.headers), err.read().decode())

    def until(
        self, path: str, wanted: Callable[[Answer], bool], timeout: float = 90, pause: float = 0.1
    ) -> Answer:
        """The first answer at ``path`` that is ``wanted``, polled up to a deadline."""
        deadline = time.monotonic() + timeout
        answer = self.get(path)
        while not wanted(answer):
            assert time.monotonic() < deadline, f"still {answer} at {path}; log:\n{self.log.read_text()}"
            time.sleep(pause)
            answer = self.get(path)
        return answer

    def log_lines_with(self, text: str, timeout: float = 90) -> list[str]:
        """The log's lines holding ``text``, once there is one (polled up to a deadline)."""
        deadline = time.monotonic() + timeout
        while not (lines := [line for line in self.log.read_text().splitlines() if text in line]):
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{self.log.read_text()}"
            time.sleep(0.1)
        return lines

    def read(self, relative: Path) -> str:
        return (self.root / relative).read_text()

    def save(self, relative: Path, text: str) -> None:
        (self.root / relative).write_text(text)


@contextlib.contextmanager
def serving_a_copy(folder: Path, ddb_port: int, *args: str) -> Iterator[Served]:
    """``python -m devstack start --no-build`` on a copy of the project made in ``folder``
    (the last ``sam build`` included), on the DynamoDB Local at ``ddb_port``."""
    root = copy_project(folder / "project")
    port = free_port()
    log_path = folder / "devstack.log"
    with log_path.open("w") as log:
        process = start_devstack(
            *("--port", str(port), "--ddb-port", str(ddb_port), "--no-build", *args), log=log, root=root
        )
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process)
            yield Served(root, f"http://127.0.0.1:{port}", log_path)
        finally:
            interrupt(process)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                interrupt(process, signal.SIGKILL)
                process.wait()


def answering(value: str) -> str:
    """Lines that, added to a handler's module, add a header to each of its answers."""
    return (
        "\n\n_handler_before = lambda_handler\n\n\n"
        "def lambda_handler(event, context):\n"
        "    answer = _handler_before(event, context)\n"
        f"    answer.setdefault('multiValueHeaders', {{}})[{HEADER!r}] = [{value!r}]\n"
        "    return answer\n"
    )


def titled(title: str) -> str:
    """A line that, added to the layer's ``problems.py``, retitles every 404 problem."""
    return f"\n_TITLES[404] = {title!r}\n"
