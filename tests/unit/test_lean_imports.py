"""A deferred package answers as the real one would, only later: checked on a package made
for the purpose, so every way a name can reach a package's namespace is covered."""

import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tables_api.lean_imports import defer_package_init

PACKAGE = {
    "__init__.py": (
        "from fakepkg.light import Light\n"
        "from .event_source import event_source\n"
        "from . import heavy\n"
        "EXTRA = heavy.LOADED\n"
    ),
    "light.py": "class Light:\n    pass\n",
    "event_source.py": "def event_source():\n    return 'the function'\n",
    "heavy.py": (
        "import os\n"
        "if os.environ.get('FAKEPKG_FAIL') == '1':\n"
        "    raise RuntimeError('heavy failed')\n"
        "LOADED = True\n"
    ),
}


@pytest.fixture
def fakepkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    root = tmp_path / "fakepkg"
    root.mkdir()
    for name, source in PACKAGE.items():
        (root / name).write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fakepkg"
    for name in [name for name in sys.modules if name == "fakepkg" or name.startswith("fakepkg.")]:
        del sys.modules[name]


def test_a_reexported_name_loads_alone(fakepkg: str) -> None:
    defer_package_init(fakepkg)

    from fakepkg import Light  # type: ignore[import-not-found]

    assert Light.__module__ == "fakepkg.light"
    assert "fakepkg.heavy" not in sys.modules


def test_a_name_that_is_also_a_submodule_is_what_the_init_binds(fakepkg: str) -> None:
    defer_package_init(fakepkg)
    importlib.import_module("fakepkg.event_source")  # the submodule first, as the real init does

    from fakepkg import event_source

    assert callable(event_source)
    assert event_source() == "the function"


def test_any_other_name_runs_the_whole_init(fakepkg: str) -> None:
    defer_package_init(fakepkg)

    from fakepkg import EXTRA

    assert EXTRA is True
    assert "fakepkg.heavy" in sys.modules


def test_threads_asking_at_once_all_get_the_name(fakepkg: str) -> None:
    defer_package_init(fakepkg)
    package = sys.modules[fakepkg]
    answers: list[object] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        answers.append(getattr(package, "EXTRA", "missing"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [True] * 8


def test_an_init_that_fails_fails_again_on_the_next_try_and_can_then_succeed(
    fakepkg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    defer_package_init(fakepkg)
    package = sys.modules[fakepkg]
    monkeypatch.setenv("FAKEPKG_FAIL", "1")

    with pytest.raises(RuntimeError, match="heavy failed"):
        package.EXTRA  # noqa: B018 - reading it is the test
    monkeypatch.setenv("FAKEPKG_FAIL", "0")

    assert package.EXTRA is True
