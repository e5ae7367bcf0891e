"""`make bench` runs end to end (every section, as few rounds as each takes), so a change that
breaks it fails here and not on the next person to measure; the figures themselves are
make bench's, never asserted."""

import subprocess
import sys
from pathlib import Path

from bench.__main__ import SECTIONS
from devstack.template import ROOT

DOC = ROOT / "docs" / "PERFORMANCE.md"


def test_every_section_runs_and_a_partial_run_leaves_the_document_alone(built: Path, tmp_path: Path) -> None:
    before = DOC.read_text()
    # make bench compares the pinned SDK with the newest (.venv-lambda-newest, which only make
    # bench makes): the pinned venv again, under another name, takes the second one's place.
    second = tmp_path / ".venv-lambda-again"
    second.symlink_to(ROOT / ".venv-lambda", target_is_directory=True)
    result = subprocess.run(  # noqa: S603 - this interpreter, on bench with fixed arguments
        [
            sys.executable,
            "-m",
            "bench",
            "--rounds=2",
            "--cold-runs=2",
            f"--venvs=.venv-lambda,{second}",
            "--iterations=3",
            "--seconds=0.5",
            "--saves=1",
            "--no-write",
            "--no-build",  # this run's one build (tests/conftest.py): make bench builds first
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    for section in SECTIONS:
        assert f"{section} ..." in result.stderr
    assert result.stdout.count("\n## ") >= len(SECTIONS) - 1, result.stdout[:2000]
    assert "(`.venv-lambda-again`)" in result.stdout  # a table for each venv
    assert "## Where the goals stand" in result.stdout
    assert DOC.read_text() == before
