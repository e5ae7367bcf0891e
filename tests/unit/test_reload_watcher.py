"""The hot-reload watcher misses no save: one made while a template.yaml build runs is
reloaded next. The watcher is real; the build it asks for is a stand-in that saves a handler
meanwhile, as a developer would (tests/integration/test_hot_reload.py runs real builds)."""

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest

from devstack import reload
from devstack.reload import Watcher, snapshot


def _save(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_a_save_made_while_the_template_builds_is_reloaded_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources: {}\n")
    handler = tmp_path / "get_item" / "app.py"
    handler.parent.mkdir()
    handler.write_text("ANSWER = 1\n")
    monkeypatch.setattr(reload, "TEMPLATE_PATH", template)
    monkeypatch.setattr(
        reload.Sources, "of", lambda _: SimpleNamespace(watched=lambda: [template, handler.parent])
    )
    reloaded: list[list[str]] = []

    class SlowTemplateBuild:
        template: ClassVar[dict[str, object]] = {}

        def reload(self, changed: set[Path]) -> None:
            reloaded.append(sorted(path.name for path in changed))
            if template in changed:
                _save(handler, "ANSWER = 2\n")  # saved while sam build runs

    watcher = object.__new__(Watcher)
    watcher.reloader = SlowTemplateBuild()  # type: ignore[assignment]
    watcher.paths = [template, handler.parent]
    watcher.seen = snapshot(watcher.paths)
    watcher._stopped = threading.Event()

    _save(template, "# a new parameter\n")
    watcher._poll()
    watcher._poll()

    assert reloaded == [["template.yaml"], ["app.py"]]
