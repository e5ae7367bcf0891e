"""The functions' handlers, imported into the test process as Lambda would import each one."""

import os
from types import ModuleType

from devstack.runtime import import_file
from devstack.template import api_routes, function_code_dir

_handlers: dict[tuple[str, str], ModuleType] = {}


def load_handler(logical_id: str) -> ModuleType:
    """Import ``functions/<route>/app.py`` once per run and ``STATUS_INDEX_SHARDS`` (read at
    its cold start), under a name of its own."""
    shards = os.environ.get("STATUS_INDEX_SHARDS", "0")
    if (logical_id, shards) not in _handlers:
        suffix = "" if shards == "0" else f"_shards{shards}"
        path = function_code_dir(logical_id) / "app.py"
        _handlers[(logical_id, shards)] = import_file(path, f"handler_{logical_id}{suffix}")
    return _handlers[(logical_id, shards)]


def all_function_ids() -> list[str]:
    return sorted(set(api_routes().values()))
