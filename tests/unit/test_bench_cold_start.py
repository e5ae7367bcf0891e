"""make bench's cold-start logic, without timing anything: the import profile read from the
emulator's output, the runs summed up and their spread, the goals' verdicts, the SDK labels."""

import importlib.metadata
import sys
from pathlib import Path

import pytest

from bench import cold_start, goals
from bench.__main__ import _sdk_title
from bench.cold_start import ColdStarts, ProfileRow, Summary
from devstack.dynamodb_local import SetupError

# What a sandbox writes with PYTHONPROFILEIMPORTTIME=1, as EmulatedRuntime's log sink gets it:
# the emulator's own lines among the runtime's stderr.
EMULATOR_OUTPUT = """\
05 Dec 2026 06:15:14,150 [INFO] (rapid) exec '/x/.venv-lambda/bin/python' (cwd=/x, handler=app.lambda_handler)
START RequestId: a6b69e36-60e4-42ad-a83f-e59c2f0a02be Version: $LATEST
import time: self [us] | cumulative | imported package
import time:       136 |        136 |   awslambdaric
05 Dec 2026 06:15:14,167 [INFO] (rapid) INIT START(type: on-demand, phase: init)
import time:      5355 |       5355 |                 urllib3.util.url
import time:       757 |     102424 |       botocore.session
import time:       182 |      11791 | tables_api
import time:        40 |         40 | tables_api.lean_imports
import time:        60 |         60 | tables_api.lean_imports
05 Dec 2026 06:15:14,422 [INFO] (rapid) INIT REPORT(durationMs: 254.615000)
[ERROR] KeyError: 'httpMethod'\rTraceback (most recent call last): import time: in a message
"""


def test_the_importtime_lines_are_read_from_among_the_emulators_own() -> None:
    modules = cold_start.parse_importtime(EMULATOR_OUTPUT.splitlines())

    assert modules == {
        "awslambdaric": (136, 136),
        "urllib3.util.url": (5355, 5355),
        "botocore.session": (757, 102424),
        "tables_api": (182, 11791),
        "tables_api.lean_imports": (100, 60),  # imported twice: both own times, the longer cumulative
    }


def test_a_profile_is_the_median_of_each_module_over_the_runs_it_appears_in() -> None:
    runs = [
        {"botocore": (1000, 90000), "urllib3.util.url": (5000, 5000)},
        {"botocore": (3000, 70000), "urllib3.util.url": (41000, 41000)},
        {"botocore": (2000, 80000), "urllib3.util.url": (6000, 6000), "only_once": (500, 95000)},
    ]

    profile = cold_start.median_profile(runs)

    assert profile == [
        ProfileRow("only_once", 0.5, 95.0),  # longest cumulative first
        ProfileRow("botocore", 2.0, 80.0),
        ProfileRow("urllib3.util.url", 6.0, 6.0),  # one slow run does not move the median
    ]


def test_own_times_inside_and_outside_the_emulator_largest_difference_first() -> None:
    inside = [
        ProfileRow("urllib3.util.url", 41.0, 41.0),
        ProfileRow("re", 2.5, 3.0),
        ProfileRow("awslambdaric", 1, 1),
    ]
    outside = [ProfileRow("re", 0.5, 1.0), ProfileRow("urllib3.util.url", 5.6, 5.6)]

    assert cold_start.own_time_differences(inside, outside) == [
        ("urllib3.util.url", 41.0, 5.6),
        ("re", 2.5, 0.5),  # a module only one side imports has no row
    ]


def _starts(ratios: dict[str, list[float]]) -> ColdStarts:
    return ColdStarts(ratios, {name: [200.0] * len(values) for name, values in ratios.items()}, [200.0])


def test_a_run_is_summed_up_by_its_median_function_and_its_worst() -> None:
    starts = _starts({"A": [1.00, 1.02, 0.98], "B": [1.10, 1.06, 1.08], "C": [0.95, 0.97, 0.99]})

    assert cold_start.summary(starts) == Summary(median=1.00, worst=1.08, worst_function="B")


@pytest.mark.parametrize(
    ("medians", "middle"),
    [([1.03, 0.99, 1.01], 2), ([0.99, 0.99, 1.01], 1), ([1.02], 0), ([1.02, 0.98], 1)],
)
def test_the_run_shown_is_the_one_whose_median_is_the_middle_one(medians: list[float], middle: int) -> None:
    summaries = [Summary(median, 1.1, "A") for median in medians]

    assert cold_start.middle_run(summaries) == middle


def test_the_spread_is_the_lowest_and_highest_run() -> None:
    assert goals.spread([1.0312, 0.9987, 1.0104]) == "0.999 to 1.031x"
    assert goals.ratio(1.0049) == "1.005x"


@pytest.mark.parametrize(
    ("value", "runs", "verdict"),
    [
        (0.99, [0.98, 0.99, 1.00], "met"),
        (0.99, [0.99, 1.02, 1.03], "met (met in 1 of 3 runs)"),
        (1.01, [0.97, 1.01, 1.04], "missed (met in 1 of 3 runs)"),
        (1.01, [], "missed"),
    ],
)
def test_a_verdict_says_when_other_runs_disagree(value: float, runs: list[float], verdict: str) -> None:
    assert goals.verdict(value, 1.00, runs) == verdict


def test_the_goals_table_names_how_many_runs_its_spread_covers() -> None:
    table = goals.table([goals.Goal("Median ≤ 1.00x, boto3 1.40.4", "0.990x", "0.980 to 1.000x", "met")], 3)

    assert (
        table.splitlines()[0]
        == "| Goal | Figure in the run below | Over the three runs (lowest to highest) |  |"
    )
    assert table.splitlines()[2] == "| Median ≤ 1.00x, boto3 1.40.4 | 0.990x | 0.980 to 1.000x | met |"


def test_an_sdk_is_labelled_with_the_versions_its_venv_holds() -> None:
    # This very venv stands in for a Lambda-like one: it holds boto3 and botocore too.
    sdk = cold_start.sdk_in(Path(sys.prefix))

    assert sdk.boto3 == importlib.metadata.version("boto3")
    assert sdk.botocore == importlib.metadata.version("botocore")
    assert sdk.label == f"boto3 {sdk.boto3}"
    assert sdk.python == Path(sys.prefix) / "bin" / "python"


def test_a_missing_venv_says_what_makes_it(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="make bench"):
        cold_start.sdk_in(tmp_path / ".venv-lambda-newest")


def test_each_table_says_which_venv_and_sdk_it_is() -> None:
    pinned = cold_start.Sdk(Path("/x/.venv-lambda"), "1.40.4", "1.40.4")
    newest = cold_start.Sdk(Path("/x/.venv-lambda-newest"), "1.44.18", "1.44.18")
    other = cold_start.Sdk(Path("/x/.venv-other"), "1.41.0", "1.41.0")

    assert _sdk_title(pinned).startswith("boto3 1.40.4 (`.venv-lambda`, the runtime's pin")
    assert _sdk_title(newest).startswith("boto3 1.44.18 (`.venv-lambda-newest`, the newest")
    assert _sdk_title(other) == "boto3 1.41.0 (`.venv-other`)"
