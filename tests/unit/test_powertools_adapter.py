"""What ``tables_api/powertools.py`` relies on in Powertools beyond its public API.

Each test fails naming what moved when a Powertools release changes it (the version is
pinned in the layer's requirements.txt); the last one keeps such reliance in that module.
"""

import ast
import functools
import importlib.util
import inspect
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from devstack.template import ROOT, api_routes, function_code_dir
from tables_api.lean_imports import _reexports

ADAPTER = ROOT / "layers/dynamo_tables/tables_api/powertools.py"
DEFERRED = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


@pytest.mark.parametrize("package", DEFERRED)
def test_a_deferred_package_init_only_re_exports_its_submodules(package: str) -> None:
    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.origin is not None
    init = ast.parse(Path(spec.origin).read_text())
    reexported = _reexports(package, init)
    others = [
        type(statement).__name__
        for statement in init.body
        if not isinstance(statement, ast.Import | ast.ImportFrom)
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))  # docstring
        and not (
            isinstance(statement, ast.Assign)
            and [t.id for t in statement.targets if isinstance(t, ast.Name)] == ["__all__"]
        )
    ]
    exported = next(
        ast.literal_eval(statement.value)
        for statement in init.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "__all__" for target in statement.targets)
    )

    assert others == [], f"{package}/__init__.py now runs more than imports: defer_package_init would skip it"
    assert set(exported) <= set(reexported), (
        f"{package} exports names no submodule import gives: {sorted(set(exported) - set(reexported))}"
    )


def test_the_idempotency_store_hook_is_the_one_saving_a_request_in_progress() -> None:
    assert "_put_record" in vars(DynamoDBPersistenceLayer), (
        "DynamoDBPersistenceLayer no longer defines _put_record"
    )
    assert "self._put_record(" in inspect.getsource(BasePersistenceLayer.save_inprogress), (
        "save_inprogress no longer saves through _put_record: the store would not see its own retry"
    )
    assert list(inspect.signature(DynamoDBPersistenceLayer._put_record).parameters) == ["self", "data_record"]


def test_a_failed_save_still_carries_the_record_it_met() -> None:
    record = DataRecord(
        idempotency_key="k",
        status=STATUS_CONSTANTS["INPROGRESS"],
        in_progress_expiry_timestamp=1,
        payload_hash="h",
    )
    error = IdempotencyItemAlreadyExistsError("exists", old_data_record=record)

    assert error.old_data_record is record, (
        "IdempotencyItemAlreadyExistsError no longer keeps old_data_record"
    )
    assert (record.status, record.in_progress_expiry_timestamp, record.payload_hash) == ("INPROGRESS", 1, "h")


def _sources() -> list[Path]:
    layer = ROOT / "layers/dynamo_tables"
    functions = {function_code_dir(function) / "app.py" for function in api_routes().values()}
    return sorted({*layer.glob("dynamo_tables/*.py"), *layer.glob("tables_api/*.py"), *functions} - {ADAPTER})


@functools.cache
def _own_private_names() -> frozenset[str]:
    """The ``_names`` this project defines itself: its own functions, classes and attributes."""
    names: set[str] = set()
    for path in [*_sources(), ADAPTER]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.rpartition(".")[2])
    return frozenset(name for name in names if name.startswith("_"))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(source: str) -> list[str]:
    """Private Powertools names a module uses: imported, overridden in a subclass of a
    Powertools class, read as an attribute this project does not define, or as a
    ``_``-named key (Powertools keeps its own in a resolver's ``context``)."""
    tree = ast.parse(source)
    own = _own_private_names()
    powertools_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_lambda_powertools")
        for alias in node.names
    }
    found = [
        f"import {node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_lambda_powertools")
        for alias in node.names
        if alias.name.startswith("_") or "._" in (node.module or "")
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id in powertools_names for base in node.bases
        ):
            found += [
                f"{node.name}.{member.name}"
                for member in node.body
                if isinstance(member, ast.FunctionDef) and _private(member.name)
            ]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            found.append(f".{node.attr}")
        elif (key := _context_key(node)) is not None and _private(key):
            found.append(f"context[{key!r}]")
    return found


def _context_key(node: ast.AST) -> str | None:
    """The key of ``<x>.context[key]`` or ``<x>.context.get(key, ...)`` (and pop, setdefault)."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "context"
    ):
        key = node.slice
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"get", "pop", "setdefault"}
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "context"
        and node.args
    ):
        key = node.args[0]
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


@pytest.mark.parametrize("source", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_other_module_uses_a_private_powertools_name(source: Path) -> None:
    assert _private_uses(source.read_text()) == []


def test_the_check_finds_what_the_adapter_uses() -> None:
    assert _private_uses(ADAPTER.read_text()) == ["OwnRecordStore._put_record"]
