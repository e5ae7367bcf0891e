"""The repository stands alone: a user's clone has nothing beside it.

`.ci/run` proves it by running the tests in a fresh clone; this catches a stray link or
path early, with the file and line that reach outside.
"""

import re
import subprocess

from devstack.template import ROOT

# A relative path, as a link or a string starts one, that climbs out of the repository:
# "../" once more than the file's depth. ("a/../b" inside a path stays where it is.)
_CLIMB = re.compile(r"(?:^|(?<=[\s(\[\"'`=]))(?:\.\./)+[A-Za-z_]")


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH, as every developer runs it
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    )
    return [name for name in listing.stdout.split("\0") if name]


def test_no_tracked_file_reaches_outside_the_repository() -> None:
    outside = []
    for name in tracked_files():
        path = ROOT / name
        if path.suffix in {".lock", ".json"} or not path.is_file():
            continue
        depth = name.count("/")
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            for match in _CLIMB.finditer(line):
                if match.group(0).count("../") > depth:
                    outside.append(f"{name}:{number}: {line.strip()}")

    assert outside == []
