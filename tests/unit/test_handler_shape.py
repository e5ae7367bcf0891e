"""Handlers are thin: each route uses the arguments its route gives it, as the shared HTTP
module decoded them, and never reads the path again or overwrites them."""

import ast

import pytest

from devstack.template import api_routes, function_code_dir

FUNCTIONS = sorted(set(api_routes().values()))


def _routes(tree: ast.Module) -> list[ast.FunctionDef]:
    """The functions decorated with ``@app.<method>(...)`` or ``@app.route(...)``."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and isinstance(decorator.func.value, ast.Name)
            and decorator.func.value.id == "app"
            for decorator in node.decorator_list
        )
    ]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_routes_use_their_arguments_as_given(function: str) -> None:
    source = (function_code_dir(function) / "app.py").read_text()
    tree = ast.parse(source)
    (route,) = _routes(tree)
    arguments = {argument.arg for argument in route.args.args}

    assigned = {
        node.id
        for node in ast.walk(route)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in arguments
    }

    assert assigned == set()
    assert "path_parameter" not in source
    assert "path_parameters" not in source
