"""The goals table at the head of docs/PERFORMANCE.md: each goal, the figure of the run the
document holds, the spread over the runs where a section ran several times, met or missed."""

from collections.abc import Sequence
from typing import NamedTuple

from bench import report

_SPELLED = {2: "two", 3: "three", 4: "four", 5: "five"}


class Goal(NamedTuple):
    goal: str
    figure: str  # as the generated sections give it, so that a reader finds it there
    spread: str = ""  # lowest to highest over the runs, for a figure measured in several
    verdict: str = ""


def ratio(value: float) -> str:
    return f"{value:.3f}x"


def spread(values: Sequence[float]) -> str:
    """The lowest and the highest of the runs' ratios, ``1.002 to 1.031x``."""
    return f"{min(values):.3f} to {max(values):.3f}x"


def verdict(value: float, goal: float, runs: Sequence[float] = ()) -> str:
    """``met`` or ``missed`` for ``value``; when some of ``runs`` say otherwise, how many."""
    met = value <= goal
    others = [run for run in runs if (run <= goal) != met]
    word = "met" if met else "missed"
    if not others:
        return word
    return f"{word} (met in {sum(run <= goal for run in runs)} of {len(runs)} runs)"


def table(goals: Sequence[Goal], runs: int) -> str:
    over = f"Over the {_SPELLED.get(runs, str(runs))} runs (lowest to highest)"
    return report.table(("Goal", "Figure in the run below", over, ""), goals)
