"""pre-commit runs the same linters as `make lint`, on the files of a commit, with no network."""

import re
import subprocess
from pathlib import Path

import yaml

from devstack.template import ROOT

CONFIG = ROOT / ".pre-commit-config.yaml"
PRE_COMMIT = ROOT / ".venv" / "bin" / "pre-commit"


def test_the_hooks_are_make_lints_linters_run_from_the_project_venv() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}

    assert set(hooks) == {"ruff", "ruff-format", "mypy", "cfn-lint"}
    assert all(repo["repo"] == "local" for repo in config["repos"])  # nothing fetched
    makefile = (ROOT / "Makefile").read_text()
    for hook in hooks.values():
        tool = Path(hook["entry"].split()[0]).name
        assert f"$(BIN)/{tool}" in makefile, f"{tool} is not one of make lint's tools"
    (sources,) = re.findall(r"^SOURCES := (.+)$", makefile, re.MULTILINE)
    assert hooks["mypy"]["entry"].split()[1:] == sources.split()  # the same folders as make lint


def test_every_hook_passes_on_the_repository() -> None:
    result = subprocess.run(  # noqa: S603 - the project's own pre-commit, fixed arguments
        [str(PRE_COMMIT), "run", "--all-files", "--config", str(CONFIG)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
