"""Starting ``python -m devstack`` as a user would, and finding what it left running."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from devstack.template import ROOT


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, from /proc (children, grandchildren, ...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those still running (a zombie has finished: it only waits to be reaped)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def start_devstack(
    *args: str, log: IO[str] | None = None, as_background_job: bool = False, root: Path = ROOT
) -> subprocess.Popen[str]:
    """``python -m devstack start ...`` in a process group of its own, like a shell job.

    A long-running one must write to ``log``: an unread pipe fills up after 64 KB of
    request logs and then blocks the server. Without ``log`` the output is piped, for
    short runs read with ``communicate()``. ``as_background_job``: started as a script's
    ``cmd &`` starts it, with SIGINT ignored. ``root``: a copy of the project to serve
    (``-m devstack`` imports the copy's own devstack, whose root is that copy).
    """
    return subprocess.Popen(  # noqa: S603 - fixed command, no shell
        [sys.executable, "-m", "devstack", "start", *args],
        cwd=root,
        stdout=log or subprocess.PIPE,
        stderr=log or subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if as_background_job else None,
    )


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"devstack exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/items?limit=1", timeout=5):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError as refused:
            # An API that checks callers refuses with its problem; anything else answering
            # there (another process on the port, say) is not this devstack.
            problem = refused.headers.get("Content-Type") == "application/problem+json"
            if refused.code in (401, 403) and problem:
                return
            time.sleep(0.3)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise TimeoutError(f"devstack did not serve {url} within {timeout:.0f} s")


def interrupt(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> None:
    """Ctrl-C as a terminal sends it: to the whole foreground process group."""
    os.killpg(process.pid, signum)


def copy_project(destination: Path) -> Path:
    """The sources and the last ``sam build`` copied to ``destination``, the venvs and DynamoDB
    Local linked: a project to edit while serving it, leaving this one untouched."""
    for folder in ("devstack", "functions", "layers"):
        shutil.copytree(ROOT / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / ".aws-sam" / "build", destination / ".aws-sam" / "build")  # bytecode and all
    for file in ("template.yaml", "samconfig.toml"):
        shutil.copy2(ROOT / file, destination / file)
    for linked in (".venv-lambda", "node_modules"):
        (destination / linked).symlink_to(ROOT / linked)
    return destination
