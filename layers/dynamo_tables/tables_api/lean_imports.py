"""Import what a package re-exports without first running the whole package ``__init__``.

Powertools' ``aws_lambda_powertools.event_handler/__init__.py`` imports every resolver it
has (AppSync with asyncio, Bedrock, VPC Lattice, ...) so that its names can be imported
from the package, and ``utilities.data_classes`` imports some thirty event classes for the
REST resolver's seven. On a cold start the rest cost about a fifth of a bare boto3
function's INIT (``docs/PERFORMANCE.md``).

A deferred package imports its submodules as usual. A name its ``__init__`` re-exports
(``from package.module import Name``) is taken from that one module; any other name runs
the ``__init__`` then, once, so code that wants the whole package still gets all of it.
"""

import ast
import importlib
import importlib.util
import sys
import threading
from types import ModuleType


def defer_package_init(name: str) -> None:
    """Register package ``name`` so that its ``__init__`` runs only when it must."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the parent packages, not this one
    if spec is None or spec.loader is None or spec.origin is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader
    with open(spec.origin, "rb") as source:
        reexports = _reexports(name, ast.parse(source.read()))
    init_lock = threading.RLock()
    running = threading.local()

    def load_on_first_use(attribute: str) -> object:
        if attribute in reexports:
            value = getattr(importlib.import_module(reexports[attribute]), attribute)
            setattr(package, attribute, value)
            return value
        if not attribute.startswith("__") and importlib.util.find_spec(f"{name}.{attribute}") is not None:
            return importlib.import_module(f"{name}.{attribute}")
        if getattr(running, "init", False):  # the __init__ itself asks: as during a real import
            raise AttributeError(f"partially initialized module {name!r} has no attribute {attribute!r}")
        with init_lock:  # other threads wait for the one running it, as the import lock makes them
            if package.__dict__.get("__getattr__") is load_on_first_use:
                running.init = True
                try:
                    loader.exec_module(package)
                finally:
                    running.init = False
                # Done: from now on a missing name is an AttributeError, unless the package
                # has a __getattr__ of its own.
                if package.__dict__.get("__getattr__") is load_on_first_use:
                    del package.__dict__["__getattr__"]
        return getattr(package, attribute)

    package.__dict__["__getattr__"] = load_on_first_use
    package.__class__ = _DeferredPackage
    package.__dict__["_names_over_submodules"] = frozenset(
        attribute for attribute, module in reexports.items() if module == f"{name}.{attribute}"
    )
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, package)


class _DeferredPackage(ModuleType):
    """A name the ``__init__`` re-exports from a submodule of the same name (``event_source``
    from ``event_source``) stays that name: the import system's binding of the submodule,
    when something imports it first, does not replace it, as the ``__init__`` would rebind it."""

    def __setattr__(self, attribute: str, value: object) -> None:
        if isinstance(value, ModuleType) and attribute in self.__dict__.get("_names_over_submodules", ()):
            return
        super().__setattr__(attribute, value)


def _reexports(package: str, init: ast.Module) -> dict[str, str]:
    """``{name: module}`` for each top-level ``from module import name`` of ``package``'s ``__init__``."""
    return {
        alias.name: statement.module if statement.level == 0 else f"{package}.{statement.module}"
        for statement in init.body
        if isinstance(statement, ast.ImportFrom) and statement.module and statement.level <= 1
        for alias in statement.names
        if alias.asname is None and alias.name != "*"
    }
