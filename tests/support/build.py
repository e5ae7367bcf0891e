"""One ``sam build`` of the project per test run, shared by every test and every worker.

The local stacks the tests start serve ``.aws-sam/build``, as ``make start`` does. Built by
each of them, two pytest-xdist workers would write it at once, or rewrite it under a stack
the other one serves; so the first to ask builds it, under a lock beside the build (which
also keeps two test runs from building at once), and the rest serve it.
"""

import fcntl
from pathlib import Path


def build_once(done: Path) -> None:
    """``sam build`` unless ``done`` says this test run built already: a path every worker
    of the run sees, named for the run."""
    from devstack.stack import BUILD_DIR, sam_build

    BUILD_DIR.parent.mkdir(exist_ok=True)
    with (BUILD_DIR.parent / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            sam_build()
            done.touch()
