"""make lint's checkov checks every resource the template's Fn::ForEach declares.

Given template.yaml itself, checkov skips whatever a loop declares (it only warns "Failed to
create a new template with enriched resources") and checks the rest, so make lint gives it
the template with the loop written out (make lint-expanded). Here, in a copy of the project,
a property is broken inside the loop, and checkov must fail it for every route.
"""

import shutil
import subprocess
from pathlib import Path

from devstack.template import ROOT, load_template, resources_of_type

# Inside the loop: each log group loses its retention (CKV_AWS_66), each function gets an
# access key id in its environment (CKV_AWS_45, AWS's documented example key); neither is an
# error to cfn-lint, which runs first.
NO_RETENTION = (
    "        Properties:\n          RetentionInDays: !Ref LogRetentionDays\n",
    "        Properties: {}\n",
)
A_SECRET = (
    "          CodeUri: !FindInMap [Routes, !Ref Route, CodeUri]\n",
    "          CodeUri: !FindInMap [Routes, !Ref Route, CodeUri]\n"
    "          Environment:\n"
    "            Variables:\n"
    "              UPSTREAM_KEY: AKIAIOSFODNN7EXAMPLE\n",
)


def _project(destination: Path) -> Path:
    """What make lint-expanded reads, with the venvs linked."""
    for folder in ("devstack", "requirements"):
        shutil.copytree(ROOT / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file in ("Makefile", "template.yaml", ".checkov.yaml"):
        shutil.copy2(ROOT / file, destination / file)
    for linked in (".venv", ".venv-security"):
        (destination / linked).symlink_to(ROOT / linked)
    return destination


def test_checkov_fails_a_check_broken_inside_the_loop_for_every_route(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    template = project / "template.yaml"
    text = template.read_text()
    for inside_the_loop, broken in (NO_RETENTION, A_SECRET):
        assert text.count(inside_the_loop) == 1
        text = text.replace(inside_the_loop, broken)
    template.write_text(text)

    linted = subprocess.run(
        ["make", "--no-print-directory", "lint-expanded"],  # noqa: S607 - make from PATH, as a user runs it
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert linted.returncode != 0, linted.stdout[-3000:] + linted.stderr[-3000:]
    failed = {
        line.split("FAILED for resource: ", 1)[1].strip()
        for line in linted.stdout.splitlines()
        if "FAILED for resource: " in line
    }
    expanded = load_template(template)
    log_groups = {
        name for name in resources_of_type(expanded, "AWS::Logs::LogGroup") if name != "ApiAccessLogGroup"
    }
    functions = set(resources_of_type(expanded, "AWS::Serverless::Function"))
    assert len(functions) == len(log_groups) > 1
    assert failed == {f"AWS::Logs::LogGroup.{name}" for name in log_groups} | {
        f"AWS::Serverless::Function.{name}" for name in functions
    }
