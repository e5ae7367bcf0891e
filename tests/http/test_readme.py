"""Every curl example in the README's "Every route with curl" gives its documented status."""

import re
import shlex
import shutil
import subprocess

from devstack.template import ROOT, api_routes
from tests.conftest import API_CREDENTIALS

README_BASE_URL = "http://127.0.0.1:3000"
EXPECTED = re.compile(r"#\s*(\d{3})\b")
RESOURCE = re.compile(r"(/(?:items|records)/)([^?'\s]+)")


def readme_examples() -> list[tuple[str, int]]:
    """``(command, status)`` for each curl line of the section, in order."""
    section = (ROOT / "README.md").read_text().split("### Every route with curl", 1)[1].split("\n### ", 1)[0]
    examples = []
    for line in section.splitlines():
        if line.startswith("curl "):
            expected = EXPECTED.search(line)
            assert expected, f"no documented status in: {line}"
            examples.append((line, int(expected.group(1))))
    return examples


def test_the_readme_shows_every_route() -> None:
    shown = {(_method(command), _route(command)) for command, _ in readme_examples()}
    assert shown == set(api_routes())


def test_every_curl_example_gives_its_documented_status(api_url: str, uid: str) -> None:
    curl = shutil.which("curl")
    assert curl, "curl is needed to run the README's examples"
    answers = []
    for command, expected in readme_examples():
        # The API under test, and keys of this run's own, so any stage's data does no harm.
        runnable = RESOURCE.sub(rf"\g<1>\g<2>-{uid}", command.replace(README_BASE_URL, api_url))
        arguments = [*shlex.split(runnable, comments=True), "-s", "-o", "/dev/null", "-w", "%{http_code}"]
        # The caller's credentials as curl options on stdin (-K -), out of the process list.
        result = subprocess.run(  # noqa: S603 - the README's own lines, against the API under test
            [curl, *arguments[1:], "-K", "-"],
            input=_credentials_config(arguments),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        answers.append((command, expected, result.stdout))

    assert [(command, got) for command, expected, got in answers if got != str(expected)] == []


def _credentials_config(arguments: list[str]) -> str:
    """A curl config adding the caller's credentials to the request these arguments send:
    curl sends the URL as written and ``-d``'s text as it is, which is what gets signed."""
    url = next(argument for argument in arguments if argument.startswith("http"))
    body = arguments[arguments.index("-d") + 1].encode() if "-d" in arguments else b""
    headers = API_CREDENTIALS.headers_for(_method(shlex.join(arguments)), url, body)
    return "".join(f'header = "{name}: {value}"\n' for name, value in headers.items())


def _method(command: str) -> str:
    arguments = shlex.split(command, comments=True)
    if "-I" in arguments:
        return "HEAD"
    return arguments[arguments.index("-X") + 1] if "-X" in arguments else "GET"


def _route(command: str) -> str:
    """The template route a curl line's URL falls on (greedy ``{key+}`` takes the rest)."""
    url = next(argument for argument in shlex.split(command, comments=True) if argument.startswith("http"))
    path = url.removeprefix(README_BASE_URL).split("?")[0]
    for _, route in api_routes():
        pattern = re.sub(r"\\\{\w+\\\+\\\}", ".+", re.escape(route))
        if re.fullmatch(pattern, path):
            return route
    raise AssertionError(f"no route of template.yaml serves {path}")
