"""The Lambda-like venvs' interpreters, which a unit test may run as it runs this Python: a
cold start probed on the runtime's pinned boto3 (``.venv-lambda``) or the newest
(``.venv-lambda-newest``), both made by the Makefile (``make unit`` makes them)."""

from devstack.template import ROOT


def lambda_python(venv: str) -> str:
    python = ROOT / venv / "bin" / "python"
    assert python.is_file(), f"no {venv}: make unit makes it (make deps and make bench do too)"
    return str(python)
