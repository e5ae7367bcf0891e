"""Each test in the tier it belongs to: the unit tier stays the fast loop (``make unit``).

A unit test needs no server, no copy of the repository, no program but this Python (a fresh
interpreter is allowed: a cold start is one; so is a Lambda-like venv's, a cold start on
another SDK) and no expansion of the template by
aws-sam-translator; those belong to the project, integration or HTTP tier.
"""

import ast
from pathlib import Path

import pytest

from devstack.template import ROOT

UNIT = ROOT / "tests" / "unit"
_PROCESSES = {"run", "Popen", "check_output", "check_call", "call"}
_COPIES = {"copy_project", "copytree", "_copy_tracked_files"}
_SERVERS = {"start_devstack", "DynamoDBLocal", "LocalStack", "serving_a_copy"}


def _called(node: ast.Call) -> str:
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _is_this_python(node: ast.AST) -> bool:
    """This interpreter, or a Lambda-like venv's (``tests/support/lambda_venvs.py``)."""
    if isinstance(node, ast.IfExp):
        return _is_this_python(node.body) and _is_this_python(node.orelse)
    if isinstance(node, ast.Call):
        return _called(node) == "lambda_python"
    return isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.executable"


def _slower_than_a_unit_test(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (
            (node.module or "").startswith("samtranslator")
            or (
                node.module == "tests.support.translate"
                and any(alias.name == "expand" for alias in node.names)
            )
        ):
            found.append("expands the template with aws-sam-translator")
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        if (
            called in _PROCESSES
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func.value) == "subprocess"
        ):
            command = node.args[0] if node.args else None
            if not (isinstance(command, ast.List) and command.elts and _is_this_python(command.elts[0])):
                found.append(f"runs a program: {ast.unparse(command) if command else '?'}")
        if called in _COPIES:
            found.append("copies the repository")
        if called in _SERVERS:
            found.append(f"starts a server: {called}")
    return found


@pytest.mark.parametrize("module", sorted(UNIT.glob("test_*.py")), ids=lambda path: path.name)
def test_a_unit_test_is_only_a_unit_test(module: Path) -> None:
    assert _slower_than_a_unit_test(module.read_text()) == []


@pytest.mark.parametrize(
    "module",
    ["test_security.py", "test_precommit.py", "test_adding_a_route.py", "test_readme_docs.py"],
)
def test_the_check_finds_what_moved_the_project_tests_out(module: str) -> None:
    assert _slower_than_a_unit_test((ROOT / "tests" / "project" / module).read_text()) != []
