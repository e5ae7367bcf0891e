"""Hot reload: from saving a source file to the first answer from the new code, for a handler
and for the layer, on ``python -m devstack start`` serving a copy of the project."""

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devstack.dynamodb_local import free_port
from tests.support.reload import (
    HANDLER,
    HEADER,
    LAYER_MODULE,
    Answer,
    Served,
    answering,
    serving_a_copy,
    titled,
)

MISSING_ITEM = "/items/bench-reload-missing"
POLL_SECONDS = 0.01


@dataclass(frozen=True)
class Reloads:
    """Seconds from each save to the first answer from what was saved."""

    handler: list[float]
    layer: list[float]


def measure(rounds: int) -> Reloads:
    with (
        tempfile.TemporaryDirectory(prefix="bench-reload-") as folder,
        serving_a_copy(Path(folder), free_port(), "--in-memory") as served,
    ):
        handler, layer = served.read(HANDLER), served.read(LAYER_MODULE)
        reloads = Reloads([], [])
        for round_ in range(rounds):
            token = f"round {round_}"
            reloads.handler.append(_save_until(served, HANDLER, handler + answering(token), _header, token))
            reloads.layer.append(_save_until(served, LAYER_MODULE, layer + titled(token), _title, token))
    return reloads


def _save_until(
    served: Served, path: Path, text: str, shown: Callable[[Answer], object], token: str
) -> float:
    """Seconds from saving ``text`` to the first answer where ``shown`` gives ``token``."""
    started = time.perf_counter()
    served.save(path, text)
    served.until(MISSING_ITEM, lambda answer: shown(answer) == token, timeout=60, pause=POLL_SECONDS)
    return time.perf_counter() - started


def _header(answer: Answer) -> object:
    return answer.headers.get(HEADER)


def _title(answer: Answer) -> object:
    return json.loads(answer.body)["title"]
