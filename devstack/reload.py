"""Hot reload for ``make start``: a saved function, layer or template.yaml is rebuilt (only what
changed) into a folder of its own, checked, and then served by recycling only the sandboxes
that ran the old build. A broken save is one line in the log; the last good build serves on.

Builds are never rewritten in place: a sandbox still answering with the old build keeps its
files, and a failed build is simply never used.
"""

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow

from devstack.runtime import LAMBDA_PYTHON, FunctionSpec
from devstack.stack import LocalStack, dynamodb_client, ensure_tables, function_specs, sam_build
from devstack.template import ROOT, TEMPLATE_PATH, api_routes, load_template, resources_of_type

RELOAD_DIR = ROOT / ".aws-sam" / "reload"
BUILD_LOG = ROOT / ".local" / "reload-build.log"
POLL_SECONDS = 0.05
# Editors write a save as several events (a temporary file, a rename, a chmod): the burst is
# one change once nothing moved for this long.
QUIET_SECONDS = 0.05
# What sam build leaves out of a plain Python function (its own list), then editors' files.
SAM_EXCLUDED = PythonPipWorkflow.EXCLUDED_FILES
_NOT_SOURCES = shutil.ignore_patterns(*SAM_EXCLUDED, ".*", "*~", "*.swp", "*.swx", "4913")

log = logging.getLogger("devstack")

Snapshot = dict[Path, tuple[int, int]]


class ReloadFailed(Exception):
    """A save that does not build; the message is the one line the log shows."""


@dataclass(frozen=True)
class Sources:
    """The source folder of each function (``CodeUri``) and layer (``ContentUri``)."""

    functions: dict[str, Path]
    layers: dict[str, Path]

    @classmethod
    def of(cls, template: dict[str, Any]) -> "Sources":
        def folders(kind: str, key: str) -> dict[str, Path]:
            resources = resources_of_type(template, kind)
            return {name: ROOT / str(resource["Properties"][key]) for name, resource in resources.items()}

        return cls(
            folders("AWS::Serverless::Function", "CodeUri"),
            folders("AWS::Serverless::LayerVersion", "ContentUri"),
        )

    def watched(self) -> list[Path]:
        return [TEMPLATE_PATH, *self.functions.values(), *self.layers.values()]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Modification time and size of every source file under ``paths``."""
    found: Snapshot = {}
    for path in paths:
        if path.is_file():
            with contextlib.suppress(FileNotFoundError):  # an editor's save replaces the file
                stat = path.stat()
                found[path] = (stat.st_mtime_ns, stat.st_size)
        for folder, subfolders, files in os.walk(path):
            ignored = _NOT_SOURCES(folder, [*subfolders, *files])
            subfolders[:] = [name for name in subfolders if name not in ignored]
            for name in files:
                if name not in ignored:
                    with contextlib.suppress(FileNotFoundError):  # deleted while walked
                        stat = (Path(folder) / name).stat()
                        found[Path(folder) / name] = (stat.st_mtime_ns, stat.st_size)
    return found


def python_sources(folder: Path) -> list[Path]:
    return sorted(path for path in snapshot([folder]) if path.suffix == ".py")


def check_syntax(files: Iterable[Path]) -> None:
    """Compile each file with Lambda's Python (as its runtime will) before a build is served."""
    script = (
        "import sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        compile(open(path, 'rb').read(), path, 'exec', dont_inherit=True)\n"
        "    except SyntaxError as err:\n"
        "        sys.exit(f'{path}:{err.lineno}: {type(err).__name__}: {err.msg}')\n"
        "    except ValueError as err:\n"
        "        sys.exit(f'{path}: {err}')\n"
    )
    python = LAMBDA_PYTHON if LAMBDA_PYTHON.is_file() else Path(sys.executable)
    shown = [str(path.relative_to(ROOT)) for path in files]
    result = subprocess.run(  # noqa: S603 - fixed command, no shell
        [str(python), "-c", script, *shown], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ReloadFailed(result.stderr.strip().splitlines()[-1])


def _link_or_copy(source: str, destination: str) -> None:
    """Built files are never written again: a hard link shares them with no copying."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


class Reloader:
    """Turns changed source files into new builds for the stack, or one line saying why not."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.template = load_template()
        self.builds = RELOAD_DIR / str(os.getpid())
        self.generation = 0
        _remove_orphaned_builds()

    def reload(self, changed: set[Path]) -> None:
        started = time.perf_counter()
        self.generation += 1
        target = self.builds / str(self.generation)
        names = ", ".join(sorted(_shown(path) for path in changed))
        try:
            specs = self._build(changed, target)
        except Exception as err:  # any failed save is reported, and the watcher lives on
            shutil.rmtree(target, ignore_errors=True)
            log.error("reload of %s failed: %s; still serving the last good build", names, _one_line(err))
            return
        recycled = self.stack.use(specs)
        log.info(
            "reloaded %s in %.2f s: new sandboxes for %s",
            names,
            time.perf_counter() - started,
            ", ".join(recycled) or "no function",
        )

    def remove_builds(self) -> None:
        shutil.rmtree(self.builds, ignore_errors=True)

    def _build(self, changed: set[Path], target: Path) -> dict[str, FunctionSpec]:
        template = load_template() if TEMPLATE_PATH in changed else self.template
        sources = Sources.of(template)
        functions = {name: folder for name, folder in sources.functions.items() if _holds(folder, changed)}
        layers = {name: folder for name, folder in sources.layers.items() if _holds(folder, changed)}
        quick = (
            TEMPLATE_PATH not in changed
            and all(_is_plain_python(folder) for folder in functions.values())
            and all(_package_only(folder, changed) for folder in layers.values())
        )
        if not quick:
            return self._build_all(sources, template, target)
        specs = dict(self.stack.specs)
        built_code: list[Path] = []
        for layer, folder in layers.items():
            built = self._build_layer_code(layer, folder, specs, target / layer)
            built_code += [built / "python" / package for package in _packages(folder, changed)]
            for name, spec in specs.items():
                dirs = tuple(built if path.name == layer else path for path in spec.layer_dirs)
                specs[name] = replace(spec, layer_dirs=dirs)
        for name, folder in functions.items():
            shutil.copytree(folder, target / name, ignore=shutil.ignore_patterns(*SAM_EXCLUDED))
            built_code.append(target / name)
            specs[name] = replace(specs[name], code_dir=target / name)
        # The copies are checked, not the sources: a save between the two is never served unchecked.
        check_syntax([file for folder in built_code for file in python_sources(folder)])
        return specs

    def _build_layer_code(
        self, layer: str, folder: Path, specs: dict[str, FunctionSpec], target: Path
    ) -> Path:
        """The layer's Makefile's ``layer-code`` over the last build's dependencies: what
        ``sam build`` makes when only the layer's own package changed, without pip."""
        current = next(path for spec in specs.values() for path in spec.layer_dirs if path.name == layer)
        shutil.copytree(current, target, copy_function=_link_or_copy)
        BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
        with BUILD_LOG.open("wb") as output:
            result = subprocess.run(  # noqa: S603 - fixed command, no shell
                ["make", "--no-print-directory", "-C", str(folder), "layer-code", f"ARTIFACTS_DIR={target}"],  # noqa: S607
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise ReloadFailed(f"{layer} did not build (exit {result.returncode}); see {_shown(BUILD_LOG)}")
        return target

    def _build_all(self, sources: Sources, template: dict[str, Any], target: Path) -> dict[str, FunctionSpec]:
        """``sam build`` of everything into ``target``: template.yaml or a dependency changed."""
        check_syntax(
            [
                file
                for folder in [*sources.functions.values(), *sources.layers.values()]
                for file in python_sources(folder)
            ]
        )
        sam_build(target)
        specs = function_specs(self.stack.endpoint_url, self.stack.parameters, target / "template.yaml")
        ensure_tables(dynamodb_client(self.stack.endpoint_url), self.stack.parameters)
        if api_routes(template) != api_routes(self.template):
            log.warning("template.yaml changed the routes: restart `make start` to serve them")
        self.template = template
        return specs


class Watcher:
    """Polls the sources' modification times (a few dozen files) and reloads on a change."""

    def __init__(self, stack: LocalStack) -> None:
        self.reloader = Reloader(stack)
        self.paths = Sources.of(self.reloader.template).watched()
        self.seen = snapshot(self.paths)  # taken before the stack builds: no save is missed
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devstack-reload", daemon=True)

    def start(self) -> "Watcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching; the builds stay until :meth:`remove_builds` (sandboxes may use them)."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    def remove_builds(self) -> None:
        self.reloader.remove_builds()

    def _run(self) -> None:
        while not self._stopped.wait(POLL_SECONDS):
            try:
                self._poll()
            except Exception as err:  # the watcher outlives any one failed poll
                log.error("hot reload: %s", _one_line(err))

    def _poll(self) -> None:
        current = snapshot(self.paths)
        if current == self.seen:
            return
        while not self._stopped.wait(QUIET_SECONDS):
            latest = snapshot(self.paths)
            if latest == current:
                break
            current = latest
        changed = {
            path for path in self.seen.keys() | current.keys() if self.seen.get(path) != current.get(path)
        }
        self.seen = current
        self.reloader.reload(changed)
        if TEMPLATE_PATH in changed:
            # Files watched before keep their state from before the build, so a save made
            # while it ran is seen next time; only newly watched files start from now.
            self.paths = Sources.of(self.reloader.template).watched()
            fresh = snapshot(self.paths)
            self.seen = {**fresh, **{path: state for path, state in current.items() if path in fresh}}


def _packages(folder: Path, changed: set[Path]) -> set[str]:
    """The layer's own packages that hold a changed file."""
    return {path.relative_to(folder).parts[0] for path in changed if path.is_relative_to(folder)}


def _holds(folder: Path, changed: set[Path]) -> bool:
    return any(path.is_relative_to(folder) for path in changed)


def _is_plain_python(folder: Path) -> bool:
    """A function sam build only copies: no requirements.txt to install."""
    return not (folder / "requirements.txt").exists()


def _package_only(folder: Path, changed: set[Path]) -> bool:
    """Whether the layer's changes are all inside its own Python package(s), not its
    dependencies (requirements.txt) or how it is built (Makefile)."""
    for path in changed:
        if path.is_relative_to(folder):
            parts = path.relative_to(folder).parts
            if len(parts) < 2 or not (folder / parts[0] / "__init__.py").is_file():
                return False
    return True


def _remove_orphaned_builds() -> None:
    """Reload builds of devstacks that ended without removing them (killed, say)."""
    for builds in RELOAD_DIR.glob("*"):
        try:
            os.kill(int(builds.name), 0)
        except ProcessLookupError:
            shutil.rmtree(builds, ignore_errors=True)
        except (ValueError, PermissionError):  # not a process id; another user's process
            continue


def _one_line(error: Exception) -> str:
    """An error's message on one line (a YAML error spans several, with a ``^`` marker)."""
    parts = [part.strip() for part in str(error).splitlines() if part.strip().strip("^")]
    return " ".join(parts) or type(error).__name__


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
