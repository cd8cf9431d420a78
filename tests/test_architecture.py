"""The architecture rules of BRIEF.md §4, enforced.

``bot/`` (the core) and ``dialogs/`` never import a channel library or a channel adapter; the
domain model imports only the standard library. One entry point is allowed to reach the
adapters: ``bot/app/cli.py``, the command line's composition root (it is what the ``concernbot``
console script names). It may do so only inside the commands that need a channel, never at
module level, so importing the core never loads a channel. The terminal chat's own wiring
lives with the adapters (``adapters/console/app.py``), not in the core.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ("bot", "dialogs")
CHANNEL_LIBRARIES = frozenset({"telegram", "slack_bolt", "slack_sdk", "aiohttp"})
ADAPTERS = "adapters"
ENTRY_POINTS = frozenset({"bot/app/cli.py"})
"""Core modules that may import ``adapters.*``, and only inside a function."""


@dataclass(frozen=True)
class Import:
    """One import statement: the module it names, where, and whether it runs on import."""

    module: str
    line: int
    at_module_level: bool

    @property
    def root(self) -> str:
        """The top-level package imported, e.g. ``slack_sdk`` for ``slack_sdk.web``."""
        return self.module.split(".", 1)[0]


class _Imports(ast.NodeVisitor):
    """Collects every import, noting whether it sits inside a function body."""

    def __init__(self) -> None:
        self.found: list[Import] = []
        self._depth = 0

    def _inside(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = _inside  # noqa: N815
    visit_AsyncFunctionDef = _inside  # noqa: N815
    visit_Lambda = _inside  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append(Import(alias.name, node.lineno, self._depth == 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:  # relative imports stay inside their package
            self.found.append(Import(node.module, node.lineno, self._depth == 0))


def imports_of(path: Path) -> list[Import]:
    """Every import in the Python file at ``path``."""
    collector = _Imports()
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return collector.found


def core_files() -> list[Path]:
    """Every Python file of the core packages, migrations included."""
    return sorted(p for package in CORE_PACKAGES for p in (ROOT / package).rglob("*.py"))


def name(path: Path, root: Path = ROOT) -> str:
    """``path`` relative to the repository, with forward slashes."""
    return path.relative_to(root).as_posix()


def violations(path: Path, root: Path = ROOT) -> list[str]:
    """The imports in ``path`` that break the ports-and-adapters rule."""
    where = name(path, root)
    found = []
    for imported in imports_of(path):
        lazy_entry_point = where in ENTRY_POINTS and not imported.at_module_level
        if imported.root in CHANNEL_LIBRARIES or (
            imported.root == ADAPTERS and not lazy_entry_point
        ):
            found.append(f"{where}:{imported.line} imports {imported.module}")
    return found


def test_the_core_and_the_dialogs_have_python_files_to_check() -> None:
    names = {name(p) for p in core_files()}

    assert {
        "bot/conversation/core.py",
        "bot/domain/model.py",
        "bot/app/cli.py",
        "dialogs/share_concern.py",
    } <= names


def test_bot_and_dialogs_import_no_channel_library_and_no_adapter() -> None:
    found = [problem for path in core_files() for problem in violations(path)]

    assert found == []


def test_the_terminal_chat_is_wired_in_the_adapters_not_in_the_core() -> None:
    assert not (ROOT / "bot" / "console_app.py").exists()
    assert (ROOT / "adapters" / "console" / "app.py").is_file()


def test_the_command_line_reaches_the_adapters_only_from_inside_its_commands() -> None:
    reached = [i for i in imports_of(ROOT / "bot" / "app" / "cli.py") if i.root == ADAPTERS]

    assert reached, "bot/app/cli.py is listed as an entry point but imports no adapter"
    assert all(not i.at_module_level for i in reached)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import telegram\n", ["bot/x.py:1 imports telegram"]),
        ("from slack_sdk.web import WebClient\n", ["bot/x.py:1 imports slack_sdk.web"]),
        ("import os, aiohttp.web\n", ["bot/x.py:1 imports aiohttp.web"]),
        (
            "from adapters.console.chat import render\n",
            ["bot/x.py:1 imports adapters.console.chat"],
        ),
        ("def f():\n    import slack_bolt\n", ["bot/x.py:2 imports slack_bolt"]),
        ("def f():\n    from adapters import base\n", ["bot/x.py:2 imports adapters"]),
        ("import telegramish\nfrom . import adapters\n", []),
    ],
)
def test_the_rule_itself_catches_every_form_of_forbidden_import(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    (tmp_path / "bot").mkdir()
    path = tmp_path / "bot" / "x.py"
    path.write_text(source, encoding="utf-8")

    assert violations(path, tmp_path) == expected


def test_an_entry_point_may_not_import_an_adapter_at_module_level(
    tmp_path: Path,
) -> None:
    (tmp_path / "bot" / "app").mkdir(parents=True)
    path = tmp_path / "bot" / "app" / "cli.py"
    path.write_text(
        "from adapters.console.app import run_console\n"
        "async def main():\n    from adapters.service import serve_until_signal\n",
        encoding="utf-8",
    )

    assert violations(path, tmp_path) == ["bot/app/cli.py:1 imports adapters.console.app"]


IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import bot, dialogs
for package in (bot, dialogs):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if module.name != "bot.storage.migrations.env":  # runs migrations when imported
            importlib.import_module(module.name)
print(json.dumps(sorted({m.split(".", 1)[0] for m in sys.modules})))
"""


def test_importing_every_core_module_loads_no_channel_library_even_indirectly() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(done.stdout))

    assert {"bot", "dialogs"} <= loaded
    assert loaded & (CHANNEL_LIBRARIES | {ADAPTERS}) == set()


def test_the_domain_model_imports_only_the_standard_library() -> None:
    outside = [
        i.module
        for i in imports_of(ROOT / "bot" / "domain" / "model.py")
        if i.root not in sys.stdlib_module_names
    ]

    assert outside == []
