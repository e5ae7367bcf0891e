"""devstack leans on SAM CLI internals: this fails loudly, naming what moved, when an
aws-sam-cli upgrade changes any of them (the version is pinned in requirements/dev.lock)."""

import inspect
import re
from importlib.metadata import version

import pytest
from samcli.lib.cfn_language_extensions.sam_integration import (
    ENABLE_ENV_VAR,
    resolve_language_extensions_enabled,
)
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.local_apigw_service import CatchAllPathConverter, LocalApigwService
from samcli.local.docker.exceptions import ProcessSigTermException
from samcli.local.services.base_local_service import BaseLocalService

from devstack.runtime import RIE_DIR
from devstack.template import ROOT


def test_the_pinned_version_is_installed() -> None:
    pinned = re.search(r"^aws-sam-cli==(\S+)", (ROOT / "requirements/dev.lock").read_text(), re.MULTILINE)
    assert pinned is not None
    assert version("aws-sam-cli") == pinned.group(1)


def test_local_apigw_service_takes_a_runner_and_calls_it_as_devstack_expects() -> None:
    parameters = inspect.signature(LocalApigwService.__init__).parameters
    assert {"api", "lambda_runner", "port", "host"} <= set(parameters), "LocalApigwService.__init__ changed"

    source = inspect.getsource(LocalApigwService)
    assert "lambda_runner.is_debugging()" in source, "LocalApigwService no longer asks is_debugging()"
    call = re.search(r"self\.lambda_runner\.invoke\((.*?)\)\n", source, re.DOTALL)
    assert call is not None, "LocalApigwService no longer calls lambda_runner.invoke"
    assert "stdout=stdout_writer" in call.group(1), "lambda_runner.invoke no longer gets stdout="
    assert "StringIO() as stdout" in source, "the runner's output is no longer a text stream"
    assert hasattr(StreamWriter, "write_str")


def test_the_server_turns_sigterm_into_the_exception_devstack_catches() -> None:
    assert "raise ProcessSigTermException" in inspect.getsource(BaseLocalService.run)
    assert issubclass(ProcessSigTermException, Exception)


def test_providers_give_what_devstack_reads() -> None:
    assert {"template_file", "parameter_overrides"} <= set(
        inspect.signature(SamLocalStackProvider.get_stacks).parameters
    )
    assert "cwd" in inspect.signature(ApiProvider.__init__).parameters
    assert hasattr(SamFunctionProvider, "get_all")
    assert {"name", "codeuri", "handler", "timeout", "memory", "environment", "layers"} <= set(
        Function._fields
    )


def test_the_runtime_emulator_ships_for_both_linux_architectures() -> None:
    for architecture in ("x86_64", "arm64"):
        assert (RIE_DIR / f"aws-lambda-rie-{architecture}").is_file()


def test_greedy_paths_are_compiled_from_the_converter_devstack_widens() -> None:
    # devstack.stack.api_gateway_emulation widens CatchAllPathConverter.regex while create() runs.
    assert CatchAllPathConverter.regex == ".+"
    source = inspect.getsource(LocalApigwService.create)
    assert 'converters["path"] = CatchAllPathConverter' in source
    assert source.index("CatchAllPathConverter") < source.index("add_url_rule")


def test_devstack_can_answer_for_routes_sam_cli_does_not_know() -> None:
    # devstack's emulation asks _get_current_route first (KeyError: no such route) and
    # replaces the 404/405 handlers that _construct_error_handling registers.
    assert "raise KeyError" in inspect.getsource(LocalApigwService._get_current_route)
    assert "self._get_current_route(request)" in inspect.getsource(LocalApigwService._request_handler)
    handlers = inspect.getsource(LocalApigwService._construct_error_handling)
    assert "register_error_handler(404" in handlers
    assert "register_error_handler(405" in handlers
    assert "self._construct_error_handling()" in inspect.getsource(LocalApigwService.create)


def test_devstack_can_add_its_docs_page_to_the_app_sam_cli_builds() -> None:
    # devstack adds /docs (devstack.api_docs) to the Flask app create() leaves in self._app;
    # without strict slashes /docs/ is the same page, and the page's links are absolute.
    source = inspect.getsource(LocalApigwService.create)
    assert "self._app = Flask(" in source
    assert "strict_slashes = False" in source


def test_sam_cli_expands_fn_foreach_where_devstack_and_make_ask_it_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # devstack reads the built template (which keeps its Fn::ForEach) with
    # get_stacks(..., language_extensions_enabled=True); make exports the variable.
    assert "language_extensions_enabled" in inspect.signature(SamLocalStackProvider.get_stacks).parameters
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")
    assert resolve_language_extensions_enabled(None) is True
