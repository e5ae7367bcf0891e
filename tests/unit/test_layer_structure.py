"""The layer's two packages, one direction: ``dynamo_tables`` (the seed's tables) knows
nothing of HTTP, and ``tables_api`` (HTTP over them) uses it; no module imports its way
back to itself, and none is too long to read in one sitting."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.template import ROOT

LAYER = ROOT / "layers/dynamo_tables"
PACKAGES = ("dynamo_tables", "tables_api")
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    return {
        f"{package}.{path.stem}" if path.stem != "__init__" else package: path
        for package in PACKAGES
        for path in sorted((LAYER / package).glob("*.py"))
    }


def _imports(path: Path) -> set[str]:
    """Every module an import in ``path`` names, at module scope or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _layer_imports(path: Path) -> set[str]:
    """The layer's own modules that ``path`` imports."""
    return _imports(path) & set(_modules())


@pytest.mark.parametrize("module", [name for name in _modules() if name.startswith("dynamo_tables")])
def test_the_tables_know_nothing_of_http(module: str) -> None:
    imported = _imports(_modules()[module])

    assert {
        name for name in imported if name.split(".")[0] in {"tables_api", "aws_lambda_powertools"}
    } == set()


def test_no_layer_module_imports_its_way_back_to_itself() -> None:
    graph = {module: _layer_imports(path) for module, path in _modules().items()}
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        for imported in graph[module]:
            if imported in trail:
                cycles.append([*trail[trail.index(imported) :], imported])
            elif len(trail) < len(graph):
                visit(imported, [*trail, imported])

    for module in graph:
        visit(module, [module])

    assert cycles == []


@pytest.mark.parametrize("module", list(_modules()))
def test_a_module_reads_in_one_sitting(module: str) -> None:
    assert len(_modules()[module].read_text().splitlines()) <= MAX_LINES


def test_scripts_using_the_seed_classes_load_neither_http_nor_powertools() -> None:
    probe = (
        "import json, sys\n"
        "from dynamo_tables import DynamoGeneralClass, SimpleTableClass, ComplexTableClass, GREEN, RED\n"
        "from dynamo_tables.schema import COMPLEX_SCHEMA, SIMPLE_SCHEMA\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, on the probe above
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(LAYER)},
    )
    loaded = json.loads(result.stdout)

    assert [name for name in loaded if name.split(".")[0] in {"tables_api", "aws_lambda_powertools"}] == []
