"""The README a newcomer follows: its parameter table is the template's, its route table names
every route of the template and no other, and every command in its shell blocks is one that
exists and that a test or CI runs (the few that need an AWS
account or Docker are named here, with the reason, and still checked to exist)."""

import re
import shlex
import shutil
import subprocess

import pytest

from devstack.template import ROOT, api_routes, load_template
from tests.support.openapi import openapi_path

README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
TARGETS = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
# What CI runs: .ci/run's commands and the workflows' `run:` lines, never their comments.
CI_TEXT = "\n".join(
    [
        *(
            line
            for line in (ROOT / ".ci" / "run").read_text().splitlines()
            if not line.lstrip().startswith("#")
        ),
        *(
            line.split("run:", 1)[1]
            for path in sorted((ROOT / ".github" / "workflows").glob("*.yml"))
            for line in path.read_text().splitlines()
            if line.lstrip().startswith(("run:", "- run:"))
        ),
    ]
)
TEST_FILES = [path.read_text() for path in sorted((ROOT / "tests").rglob("*.py"))]

# What only a person with an AWS account, or Docker, can run; each is still checked to be
# a command its tool knows.
NEEDS_AWS_OR_DOCKER = {
    ("sam", "deploy", "--guided"): "asks its questions at a terminal; CI deploys with samconfig's answers",
    (
        "sam",
        "deploy",
        "--parameter-overrides",
    ): "a re-shard's two deploys of a stack, in the operator's account",
    ("sam", "deploy", "--config-env", "prod", "--parameter-overrides"): (
        "the one all-at-once deploy of an upgrade from string write tokens, in the operator's account"
    ),
    ("sam", "local"): "needs Docker, which this project's machines lack; make start and make invoke stand in",
    ("sam", "logs"): "reads a deployed stack's CloudWatch logs",
    ("awscurl",): "signs requests to a deployed AWS_IAM stage",
    ("aws", "cloudformation"): "reads a deployed stack's resources (the AWS CLI is not installed by make)",
    ("aws", "cognito-idp"): "adds users to, and reads clients of, a deployed stack's user pool",
    ("aws", "apigateway"): "adds and cuts off partners' keys on a deployed stack's usage plan",
    ("aws", "dynamodb"): "restores, reads and changes a deployed stack's tables (import, restore drill)",
    ("aws", "s3"): "uploads the packaged template a resource import reads",
    ("sam", "package"): "uploads the build to an account's bucket, for a resource import",
}


def shell_commands(text: str = README) -> list[str]:
    """Each command of the ```bash blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for command in re.sub(r"\\\n\s*", " ", block).splitlines():
            words = shlex.split(command, comments=True)
            if words:
                commands.append(" ".join(shlex.quote(word) for word in words))
    return commands


def _program(command: str) -> list[str]:
    """The words after any VAR=value prefixes, with .venv/bin/ taken off the program."""
    words = [word for word in shlex.split(command) if not re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", word)]
    words[0] = words[0].removeprefix(".venv/bin/")
    return words


def _runs(test: str, module: str, command: str | None) -> bool:
    """Whether a test file runs ``python -m module [command]``, or, for a script module (not a
    package), imports what its ``main`` runs."""
    started = re.search(rf'"-m",\s*"{re.escape(module)}"', test) is not None and (
        command is None or f'"{command}"' in test
    )
    imported = "." in module and re.search(rf"^from {re.escape(module)} import", test, re.MULTILINE)
    return started or bool(imported)


def _exception(words: list[str]) -> str | None:
    for prefix, reason in NEEDS_AWS_OR_DOCKER.items():
        if tuple(words[: len(prefix)]) == prefix:
            return reason
    return None


def test_the_parameter_table_is_the_templates() -> None:
    section = README.split("## Configuration parameters", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, re.MULTILINE))
    parameters = load_template()["Parameters"]

    assert list(rows) == list(parameters)
    for name, spec in parameters.items():
        default = str(spec.get("Default", ""))
        assert rows[name].strip() == (f"`{default}`" if default else "(empty)"), name


@pytest.mark.parametrize("command", [c for c in shell_commands() if _program(c)[0] == "make"])
def test_each_make_command_is_a_target_that_ci_or_a_test_runs(command: str) -> None:
    words = _program(command)
    target = words[1]
    assert target in TARGETS
    # `make -n` reads the variables as the command gives them and fails on a usage error.
    make = shutil.which("make")
    assert make, "make is needed"
    dry_run = subprocess.run(  # noqa: S603 - make, on the README's own line
        [make, "-n", *shlex.split(command)[shlex.split(command).index("make") + 1 :]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
    )
    assert dry_run.returncode == 0, dry_run.stderr
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE)
    assert recipe, target
    module = re.search(r"python -m ([\w.]+)(?: (\w+))?", recipe.group(1))
    run_by_ci = re.search(rf"\bmake\b[^\n]*\b{re.escape(target)}\b", CI_TEXT)
    run_by_a_test = module and any(_runs(text, module.group(1), module.group(2)) for text in TEST_FILES)
    assert run_by_ci or run_by_a_test, f"neither CI nor a test runs `make {target}`"


@pytest.mark.parametrize("command", [c for c in shell_commands() if _program(c)[0] == "sam"])
def test_each_sam_command_is_run_by_ci_or_is_one_sam_knows(command: str) -> None:
    words = _program(command)
    flags = [word for word in words if word.startswith("--")]
    if _exception(words) is None:
        assert re.search(rf"sam {words[1]} [^\n]*{' '.join(flags[:2])}", CI_TEXT), command
    help_text = subprocess.run(  # noqa: S603 - sam from the venv, on the README's own words
        [str(ROOT / ".venv" / "bin" / "sam"), *[w for w in words[1:3] if not w.startswith("-")], "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert help_text.returncode == 0, help_text.stderr
    for flag in flags:
        assert flag in help_text.stdout, (command, flag)


def test_every_other_command_is_curl_run_by_the_http_tests_or_needs_aws() -> None:
    others = [c for c in shell_commands() if _program(c)[0] not in ("make", "sam")]
    curl_section = README.split("### Every route with curl", 1)[1].split("\n### ", 1)[0]
    callers_section = README.split("### Callers, locally", 1)[1].split("\n### ", 1)[0]
    run_by_test_readme_callers = shell_commands(callers_section)
    for command in others:
        words = _program(command)
        if command in run_by_test_readme_callers:  # tests/http/test_readme_callers.py
            continue
        if words[0] == "curl":
            assert command in shell_commands(curl_section), command
        else:
            assert _exception(words), command


def test_the_exceptions_are_few_and_each_is_used() -> None:
    commands = [_program(command) for command in shell_commands()]
    used = {
        prefix
        for prefix in NEEDS_AWS_OR_DOCKER
        for words in commands
        if tuple(words[: len(prefix)]) == prefix
    }
    assert used == set(NEEDS_AWS_OR_DOCKER)


def test_the_route_table_names_every_route_of_the_template() -> None:
    section = README.split("## The API", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([A-Z]+) (/[^`?]*)", section, re.MULTILINE)

    assert sorted(rows) == sorted((method, openapi_path(path)) for method, path in api_routes())


@pytest.mark.parametrize(
    "command", [c for c in shell_commands() if _program(c)[:3] == ["sam", "deploy", "--parameter-overrides"]]
)
def test_each_sam_deploy_line_sets_every_parameter_it_names(command: str) -> None:
    """SAM CLI drops a ``Key=`` with no value, and the stack then keeps that parameter's
    previous value: a re-shard's second deploy would end nothing."""
    from samcli.cli.types import CfnParameterOverridesType

    overrides = _program(command)[3]
    named = re.findall(r"(\w+)=", overrides)

    parsed = CfnParameterOverridesType().convert((overrides,), None, None)

    assert sorted(parsed) == sorted(named), command
