"""What ``sam build`` makes depends on the sources only, not on the host that built it."""

import sys
from pathlib import Path

from devstack.template import ROOT


def test_the_built_layer_names_no_path_of_the_build_host(built: Path) -> None:
    # Bytecode aside, which names the folder it was compiled in: a path of this host in the
    # layer (a console script's shebang, say) makes two builds of the same sources differ.
    host = {str(ROOT), sys.prefix, sys.base_prefix}
    layer = built / "DynamoTablesLayer"
    naming_the_host = [
        str(path.relative_to(layer))
        for path in layer.rglob("*")
        if path.is_file()
        and path.suffix != ".pyc"
        and any(name.encode() in path.read_bytes() for name in host)
    ]

    assert naming_the_host == []
