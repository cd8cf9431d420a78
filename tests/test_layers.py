"""The core's layers, enforced: each imports only its own layer and those below it.

docs/architecture.md draws them. A module belongs to the layer of its longest matching prefix,
so ``bot.conversation.dialog`` (the pure engine) sits low while ``bot.conversation.core``
(the turn handler) sits near the top. Imports inside ``if TYPE_CHECKING:`` count too: a type
from a higher layer is a dependency on it all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ground", ("bot.i18n", "bot.metrics", "bot.startup_errors")),
    ("domain", ("bot.domain",)),
    ("settings", ("bot.settings",)),
    ("contract", ("bot.channels",)),
    ("rendering", ("bot.rendering",)),
    (
        "dialog engine",
        (
            "bot.conversation.dialog",
            "bot.conversation.text",
            "bot.conversation.text_units",
            "bot.conversation.long_text",
        ),
    ),
    ("rendering", ("bot.rendering",)),
    ("storage", ("bot.storage",)),
    ("delivery", ("bot.delivery",)),
    (
        "turn",
        (
            "bot.conversation.turn",
            "bot.conversation.cards",
            "bot.conversation.flows",
            "bot.conversation.feed",
            "bot.conversation.home",
            "bot.conversation.inbound",
            "bot.conversation.throttle",
        ),
    ),
    ("scheduling", ("bot.scheduling",)),
    ("use cases", ("bot.usecases", "bot.security", "dialogs")),
    ("turn handler", ("bot.conversation",)),
    ("wiring", ("bot",)),
)
"""Bottom to top; ``bot`` itself (its ``app`` package, ``testing``, …) is the wiring on top."""


def layer_of(module: str) -> int | None:
    """The index in ``LAYERS`` of the longest prefix matching ``module``; None outside."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[1]
            ):
                best = (index, len(prefix))
    return None if best is None else best[0]


def module_name(path: Path, root: Path) -> str:
    """``bot/storage/uow.py`` → ``bot.storage.uow``; a package's ``__init__`` is the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports; ``from a import b`` names ``a.b`` when that is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                place = root / full.replace(".", "/")
                is_module = place.with_suffix(".py").is_file() or place.is_dir()
                found.append((full if is_module else node.module, node.lineno))
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import under ``root``'s ``bot/`` and ``dialogs/`` that reaches a higher layer."""
    found = []
    for package in ("bot", "dialogs"):
        for path in sorted((root / package).rglob("*.py")):
            mine = layer_of(module_name(path, root))
            if mine is None:
                continue
            for module, line in imported_modules(path, root):
                theirs = layer_of(module)
                if theirs is not None and theirs > mine:
                    found.append(
                        f"{path.relative_to(root).as_posix()}:{line} ({LAYERS[mine][0]}) "
                        f"imports {module} ({LAYERS[theirs][0]})"
                    )
    return found


def test_each_layer_imports_only_its_own_and_the_layers_below() -> None:
    assert upward_imports(ROOT) == []


def test_every_module_of_the_core_belongs_to_a_layer() -> None:
    outside = [
        path.relative_to(ROOT).as_posix()
        for package in ("bot", "dialogs")
        for path in (ROOT / package).rglob("*.py")
        if layer_of(module_name(path, ROOT)) is None
    ]

    assert outside == []


@pytest.mark.parametrize(
    ("where", "source", "caught"),
    [
        ("bot/domain/x.py", "from bot.app.config import Settings\n", True),
        ("bot/domain/x.py", "from bot import metrics\n", False),
        ("bot/storage/x.py", "import bot.conversation.core\n", True),
        ("bot/storage/x.py", "from bot.conversation.dialog import DialogState\n", False),
        (
            "bot/channels/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.usecases import y\n",
            True,
        ),
        ("bot/conversation/core.py", "from bot.usecases import info\n", False),
        ("bot/conversation/turn.py", "from bot.conversation import core\n", True),
    ],
)
def test_the_layer_rule_itself_catches_an_upward_import(
    tmp_path: Path, where: str, source: str, caught: bool
) -> None:
    for module in ("bot/metrics.py", "bot/conversation/core.py", "bot/usecases/info.py"):
        (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / module).write_text("")
    (tmp_path / "bot/conversation/dialog").mkdir(parents=True, exist_ok=True)
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)

    assert bool(upward_imports(tmp_path)) is caught
