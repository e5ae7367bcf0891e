"""`make bench` runs end to end (every section, as few rounds as each takes), so a change that
breaks it fails here and not on the next person to measure; the figures themselves are
make bench's, never asserted."""

import subprocess
import sys
from pathlib import Path

from bench.__main__ import SECTIONS
from devstack.template import ROOT

DOC = ROOT / "docs" / "PERFORMANCE.md"


def test_every_section_runs_and_a_partial_run_leaves_the_document_alone(built: Path) -> None:
    before = DOC.read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--rounds=2",
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
    assert DOC.read_text() == before
