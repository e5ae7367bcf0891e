"""docs/PERFORMANCE.md's hand-written figures: each one is arithmetic on bench/cost.py's list
prices (checked here) or quotes the run make bench wrote into the same document."""

import re

import pytest

from bench import cost, report
from devstack.template import api_routes

DOCUMENT = report.DOCUMENT.read_text()
# The hand-written parts, white space folded so that a figure may break across lines.
PROSE = " ".join((DOCUMENT.split(report.BEGIN)[0] + DOCUMENT.split(report.END)[1]).split())
GB_AT_512_MB = 0.5
SECONDS_A_MONTH = 30 * 24 * 3600


def test_snapstart_caching_costs_what_the_document_says() -> None:
    per_version = GB_AT_512_MB * cost.SNAPSTART_CACHE_PER_GB_SECOND * SECONDS_A_MONTH
    functions = len(set(api_routes().values()))

    assert f"${per_version:.2f} a month per function version" in PROSE
    assert f"${per_version * functions:.2f} for the {_spelled(functions)} functions" in PROSE


def test_a_restore_costs_about_35_inits() -> None:
    restore = GB_AT_512_MB * cost.SNAPSTART_RESTORE_PER_GB
    init = 0.3 * GB_AT_512_MB * cost.LAMBDA_ARM_PER_GB_SECOND  # "300 ms at 512 MB"

    assert f"${restore:.5f} per cold start" in PROSE
    assert f"${init:.6f} for the INIT it replaces" in PROSE
    assert restore / init == pytest.approx(35, rel=0.05)


def test_the_goals_table_quotes_the_run_below_it() -> None:
    # make bench writes both from one run; this holds them together should either be edited.
    goals = DOCUMENT.split(report.GOALS_BEGIN, 1)[1].split(report.GOALS_END, 1)[0]
    generated = DOCUMENT.split(report.BEGIN, 1)[1].split(report.END, 1)[0]
    figures = re.findall(r"\d+\.\d+", goals.split("| Goal |", 1)[1])
    # The exactly-once row's write units (table + index), as the sections give them.
    write_units = re.findall(r"\d+(?:\.\d+)? \+ \d+(?:\.\d+)? WCU", goals)

    assert figures
    assert [figure for figure in figures if figure not in generated] == []
    assert [units for units in write_units if units not in generated] == []


def _spelled(number: int) -> str:
    return {9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}.get(number, str(number))
