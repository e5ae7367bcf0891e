"""``make start``'s hot reload, on a copy of the project so no save here can touch the repository:
a saved handler or layer serves its new code, a broken save keeps the last good build."""

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from devstack.dynamodb_local import DynamoDBLocal
from devstack.stack import LocalStack
from tests.support.reload import HANDLER, HEADER, LAYER_MODULE, Served, answering, serving_a_copy, titled

MISSING_ITEM = "/items/hot-reload-missing"
MISSING_RECORD = "/records/hot-reload-missing"


@pytest.fixture
def served(local_stack: LocalStack, dynamodb_local: DynamoDBLocal, tmp_path: Path) -> Iterator[Served]:
    with serving_a_copy(tmp_path, dynamodb_local.port, "--pool-size", "1") as served:
        yield served


def test_a_saved_handler_is_served_and_a_broken_save_keeps_the_last_good_one(
    served: Served, tmp_path: Path
) -> None:
    original = served.read(HANDLER)
    assert HEADER not in served.get(MISSING_ITEM).headers

    served.save(HANDLER, original + answering("one"))
    assert served.until(MISSING_ITEM, lambda answer: answer.headers.get(HEADER) == "one").status == 404

    served.save(HANDLER, original + answering("two") + "\ndef broken(:\n")
    (failure,) = served.log_lines_with("SyntaxError")
    assert str(HANDLER) in failure
    assert "Traceback" not in served.log.read_text()
    assert served.get(MISSING_ITEM).headers.get(HEADER) == "one"

    served.save(HANDLER, original + answering("three"))
    served.until(MISSING_ITEM, lambda answer: answer.headers.get(HEADER) == "three")
    (served_build,) = _newest(served.root.glob(".aws-sam/reload/*/*/GetItemFunction"))
    assert _files(served_build) == _files(_sam_build(served.root, "GetItemFunction", tmp_path))


@pytest.mark.parametrize("runner", ["emulator", "in-process"])
def test_a_saved_layer_is_served_by_every_function_using_it(
    local_stack: LocalStack, dynamodb_local: DynamoDBLocal, tmp_path: Path, runner: str
) -> None:
    in_process = ["--in-process"] if runner == "in-process" else []
    with serving_a_copy(tmp_path, dynamodb_local.port, "--pool-size", "1", *in_process) as served:
        for path in (MISSING_ITEM, MISSING_RECORD):
            assert json.loads(served.get(path).body)["title"] == "Not Found"

        served.save(LAYER_MODULE, served.read(LAYER_MODULE) + titled("Not Found (reloaded)"))

        for path in (MISSING_ITEM, MISSING_RECORD):
            served.until(path, lambda answer: json.loads(answer.body)["title"] == "Not Found (reloaded)")


def test_a_layer_rebuilt_without_pip_is_what_sam_build_makes(served: Served, tmp_path: Path) -> None:
    served.save(LAYER_MODULE, served.read(LAYER_MODULE) + titled("Not Found (rebuilt)"))
    served.until(MISSING_ITEM, lambda answer: json.loads(answer.body)["title"] == "Not Found (rebuilt)")
    (reloaded,) = served.root.glob(".aws-sam/reload/*/*/DynamoTablesLayer")

    assert _files(reloaded) == _files(_sam_build(served.root, "DynamoTablesLayer", tmp_path))


def _sam_build(root: Path, resource: str, scratch: Path) -> Path:
    """What ``sam build <resource>`` makes of the sources in ``root``."""
    subprocess.run(  # noqa: S603 - fixed command
        [str(Path(sys.executable).parent / "sam"), "build", resource, "--build-dir", str(scratch / "sam")],
        cwd=root,
        capture_output=True,
        check=True,
    )
    return scratch / "sam" / resource


def _newest(builds: Iterable[Path]) -> list[Path]:
    """The last reload's build among ``builds`` (their folders are numbered in order)."""
    return sorted(builds, key=lambda build: int(build.parent.name))[-1:]


def _files(folder: Path) -> dict[str, bytes]:
    """Each file's bytes; of bytecode, its header (Python's magic number, the invalidation
    mode and its source's hash): the rest names the folder it was compiled in."""
    return {
        str(path.relative_to(folder)): path.read_bytes()[: 16 if path.suffix == ".pyc" else None]
        for path in folder.rglob("*")
        if path.is_file()
    }
