"""A route added the way CONTRIBUTING.md says is tested by every tier with no test edit.

In a copy of the repository's tracked files, a tiny route ``GET /first-item`` is added in
the checklist's places only (its handler, its row and its name in template.yaml, its
openapi path, its event, and its two lines of documentation). Every tier's collection must
then hold its cases, and its own unit cases must pass there.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from devstack.template import ROOT

HANDLER = '''"""GET /first-item: the first item of a scan, as a page of one."""

from typing import Any

from dynamo_tables import SimpleTableClass
from tables_api import LambdaContext, Response, correlation_paths, create_app, json_response, logger

app = create_app()
items = SimpleTableClass()


@app.get("/first-item")
def first_item() -> Response[str]:
    page = items.list_values(1)
    return json_response({"items": [item.to_json() for item in page.items], "next_cursor": page.next_cursor})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
'''

# Its row in the template's Mappings.Routes; its name goes in the list of the loop that
# declares every function's log group, function and errors alarm.
ROUTES_ROW = """    FirstItem:
      Method: get
      Path: /first-item
      Scope: tables/read
      Description: GET /first-item
      CodeUri: functions/first_item/
      Grant: [dynamodb:Scan]
      GrantOn: SimpleTable
"""
LOOP_LIST = "  Fn::ForEach::Function:\n    - Route\n    - ["
# A path no route had yet: a neighbour's preflight in Api's DefinitionBody, copied for it.
PREFLIGHT_PATH = "            /items:\n"

OPENAPI_PATH = """  /first-item:
    get:
      operationId: firstItem
      summary: The first item of a scan, as a page of one
      responses:
        "200":
          description: A page of at most one item
          content:
            application/json:
              schema: { $ref: "#/components/schemas/ItemPage" }
        "500": { $ref: "#/components/responses/InternalError" }
        "503": { $ref: "#/components/responses/Unavailable" }
"""

API_MD_ROW = '| `GET /first-item` | | `200` `{"items": [the first item], "next_cursor": ...}` | |\n'
README_CURL = "curl -i http://127.0.0.1:3000/first-item   # 200 a page of one item\n"

# What each tier must collect for the new route: (test file, a case of it).
EXPECTED_CASES = [
    ("tests/unit/test_handlers.py", "test_each_event_gives_its_expected_status[first_item]"),
    (
        "tests/unit/test_round_trips.py",
        "test_each_request_makes_the_fewest_calls_its_operation_needs[first_item]",
    ),
    ("tests/unit/test_openapi.py", "test_every_response_is_declared_with_its_schema[first_item]"),
    (
        "tests/project/test_security.py",
        "test_each_function_may_do_exactly_what_its_route_was_seen_to_do[FirstItemFunction-0]",
    ),
    (
        "tests/project/test_security.py",
        "test_each_function_may_do_exactly_what_its_route_was_seen_to_do[FirstItemFunction-8]",
    ),
    (
        "tests/unit/test_cold_start.py",
        "test_a_cold_start_loads_only_what_every_request_needs[FirstItemFunction-dev venv]",
    ),
    (
        "tests/unit/test_cold_start.py",
        "test_in_a_lambda_runtime_the_collector_is_paused_for_init_and_running_after_it[FirstItemFunction]",
    ),
    (
        "tests/unit/test_cold_start.py",
        "test_no_collection_runs_once_a_handler_imports_more_than_the_standard_library[FirstItemFunction]",
    ),
    ("tests/unit/test_handler_shape.py", "test_routes_use_their_arguments_as_given[FirstItemFunction]"),
    ("tests/unit/test_template.py", "test_read_only_functions_cannot_write[FirstItemFunction]"),
    ("tests/unit/test_metrics.py", "test_every_sample_request_is_counted_once_under_its_route[first_item]"),
    (
        "tests/integration/test_events_emulator.py",
        "test_each_event_gives_its_expected_status_through_the_emulator[first_item]",
    ),
    (
        "tests/http/test_contract.py",
        "test_a_method_a_path_does_not_declare_gets_api_gateway_answer[PUT-/first-item]",
    ),
]
# Run for real in the copy: the new route's own cases (one shard for the grants, which
# observe every event), and the checks over every route that it must now satisfy.
RUN_FOR_REAL = [
    f"{path}::{case}"
    for path, case in EXPECTED_CASES
    if path.startswith(("tests/unit", "tests/project")) and "-8]" not in case
] + [
    "tests/unit/test_handlers.py::test_every_event_file_names_a_route_and_an_outcome_its_operation_documents",
    "tests/unit/test_openapi.py::test_openapi_names_the_same_routes_as_the_template",
    "tests/unit/test_openapi.py::test_openapi_names_every_route_of_the_contract",
    "tests/project/test_security.py::test_every_function_is_exercised_by_its_events",
    "tests/project/test_security.py::test_every_function_logs_to_its_own_group_with_a_retention",
    "tests/unit/test_template.py::test_one_function_per_route_get_and_head_may_share",
    "tests/unit/test_template.py::test_a_function_its_log_group_and_its_errors_alarm_are_declared_once_for_every_route",
    "tests/unit/test_template.py::test_the_loop_and_the_routes_mapping_name_the_same_routes_once",
    "tests/project/test_observability_template.py::test_every_function_has_an_alarm_on_its_crashes_and_on_the_500s_it_answers",
    "tests/http/test_readme.py::test_the_readme_shows_every_route",
    "tests/project/test_callers.py::test_every_route_asks_for_what_the_parameters_say[COGNITO-keys_true-cors_on]",
    "tests/project/test_callers.py::test_api_gateway_answers_every_preflight_itself_with_no_auth[AWS_IAM-keys_false-cors_on]",
]


def _copy_tracked_files(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH, as make uses it
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def _insert_after(path: Path, anchor: str, text: str) -> None:
    """``text`` right after the first line that starts with ``anchor``."""
    lines = path.read_text().splitlines(keepends=True)
    at = next(number for number, line in enumerate(lines) if line.startswith(anchor))
    path.write_text("".join([*lines[: at + 1], text, *lines[at + 1 :]]))


def _add_route_by_the_checklist(repository: Path) -> None:
    (repository / "functions/first_item").mkdir()
    (repository / "functions/first_item/app.py").write_text(HANDLER)
    template = repository / "template.yaml"
    assert template.read_text().count(LOOP_LIST) == 1
    template.write_text(template.read_text().replace(LOOP_LIST, LOOP_LIST + "FirstItem, "))
    _insert_after(template, "  Routes:", ROUTES_ROW)
    text = template.read_text()
    lines = text.splitlines(keepends=True)
    start = lines.index(PREFLIGHT_PATH)
    end = next(at for at in range(start + 1, len(lines)) if len(lines[at]) - len(lines[at].lstrip()) <= 12)
    preflight = "".join(lines[start:end]).replace(PREFLIGHT_PATH, "            /first-item:\n", 1)
    template.write_text(text.replace(PREFLIGHT_PATH, preflight + PREFLIGHT_PATH, 1))
    _insert_after(repository / "openapi.yaml", "paths:", OPENAPI_PATH)
    event = json.loads((repository / "events/list_items.json").read_text())
    event.update(resource="/first-item", path="/first-item")
    event.update(queryStringParameters=None, multiValueQueryStringParameters=None)
    event["requestContext"].update(path="/first-item", resourcePath="/first-item")
    (repository / "events/first_item.json").write_text(json.dumps(event, indent=2) + "\n")
    _insert_after(repository / "docs/API.md", "| `GET /items?", API_MD_ROW)
    _insert_after(repository / "README.md", "# Items: the key-value table", README_CURL)


def _pytest(repository: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter's pytest, on the copy's own tests
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_route_added_by_the_checklist_is_picked_up_by_every_tier(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    _copy_tracked_files(repository)
    _add_route_by_the_checklist(repository)

    collected = _pytest(repository, "--collect-only", "-q", *sorted({path for path, _ in EXPECTED_CASES}))
    assert collected.returncode == 0, collected.stdout[-5000:] + collected.stderr[-5000:]
    cases = set(collected.stdout.splitlines())
    assert [f"{path}::{case}" for path, case in EXPECTED_CASES if f"{path}::{case}" not in cases] == []

    ran = _pytest(repository, "-q", *RUN_FOR_REAL)
    assert ran.returncode == 0, ran.stdout[-10000:] + ran.stderr[-5000:]
    assert re.search(rf"\b{len(RUN_FOR_REAL)} passed\b", ran.stdout), ran.stdout[-3000:]
