"""Each shell block of the README's "Callers, locally", run as a reader would: ``make start``
with the block's own PARAMETERS, then its lines in bash, each command giving the status its
comment documents."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from devstack.template import ROOT
from tests.http.conftest import guarded

README_BASE_URL = "http://127.0.0.1:3000"
START = re.compile(r"^make start PARAMETERS='([^']*)'$")
EXPECTED = re.compile(r"\s+#\s*(\d{3})\b.*$")


def blocks() -> list[list[str]]:
    section = (ROOT / "README.md").read_text().split("### Callers, locally", 1)[1].split("\n### ", 1)[0]
    found = [block.splitlines() for block in re.findall(r"```bash\n(.*?)```", section, re.DOTALL)]
    assert len(found) == 2, "one block for the Cognito user with a key, one for IAM"
    return found


@pytest.fixture(params=range(2), ids=["cognito-and-key", "iam"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[str]]]:
    if os.environ.get("API_URL"):
        pytest.skip("the README's local examples run against make start")
    request.getfixturevalue("built")
    first, *lines = blocks()[request.param]
    start = START.match(first)
    assert start, f"a block starts with make start PARAMETERS='...': {first}"
    for api in guarded(start.group(1), tmp_path_factory, request):
        yield api.url, lines


def test_each_command_gives_its_documented_status(served: tuple[str, list[str]]) -> None:
    assert shutil.which("curl"), "curl is needed to run the README's examples"
    url, lines = served
    script, expected = [], []
    for line in lines:
        command = line.replace(README_BASE_URL, url)
        status = EXPECTED.search(command)
        if status is None:
            script.append(command)
            continue
        command = EXPECTED.sub("", command)
        expected.append(int(status.group(1)))
        if "awscurl " in command:  # -v prints "Response code: NNN" (to stderr)
            status_code = "grep -o 'Response code: [0-9]*' | grep -o '[0-9]*$'"
            script.append(f'echo "STATUS $({command} -v 2>&1 >/dev/null | {status_code})"')
        else:
            script.append(f"echo \"STATUS $({command} -s -o /dev/null -w '%{{http_code}}')\"")
    environment = {**os.environ, "PORT": url.rsplit(":", 1)[1]}  # and PATH as a reader's shell has it
    ran = subprocess.run(  # noqa: S603 - the README's own lines, against a local API
        ["/bin/bash", "-e", "-c", "\n".join(script)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    got = [int(line.split()[1]) for line in ran.stdout.splitlines() if line.startswith("STATUS ")]
    documented = [line for line in lines if EXPECTED.search(line)]
    assert list(zip(documented, got, strict=True)) == list(zip(documented, expected, strict=True))
