"""One ``sam build`` of the project per test run, shared by every test and every worker.

The local stacks the tests start serve ``.aws-sam/build``, as ``make start`` does. Built by
each of them, two pytest-xdist workers would write it at once, or rewrite it under a stack
the other one serves; so the first to ask builds it, under a lock, and the rest serve it.
"""

import fcntl
import os
from pathlib import Path


def build_once(shared: Path) -> None:
    """``sam build`` unless this test run built already; ``shared``: a folder every worker
    of the run sees (pytest-xdist's base temp, or this process's own without it)."""
    from devstack.stack import sam_build

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    done = shared / f"sam-build-{run}.done"
    with (shared / "sam-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            sam_build()
            done.touch()
