"""The architecture rules of BRIEF.md §4, enforced.

``bot/`` (the core) and ``dialogs/`` never import a channel library or a channel adapter, and
name no channel outside comments and docstrings; the domain model imports only the standard
library. One entry point is allowed to reach the adapters: ``bot/app/cli.py`` (what the
``concernbot`` console script names), which hands the channel registry to the settings loader
and to the one composition root (``bot/app/composition.py``). It may do so only inside its
functions, never at module level, so importing the core never loads a channel. Each channel is
one package under ``adapters/`` with one registry entry, importing no other channel; a test
plugs in a channel of its own (``tests/echo_channel``) without touching ``bot/``.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.registry import REGISTRY
from bot.app.composition import compose
from bot.app.config import load_settings
from bot.app.sinks import ChannelSink
from bot.channels.events import Address, Sender, parse_text
from bot.channels.protocol import CapabilityMissing
from bot.domain.model import Role
from bot.i18n import translator
from bot.share_script import FACTS
from bot.testing import SHARE_SCRIPT, FakeClock, database_url, example_settings, fixed_cipher
from bot.usecases.enrolment import enrol_local
from tests.echo_channel import plugin as echo_plugin
from tests.echo_channel.client import EchoClient
from tests.echo_channel.runtime import EchoRuntime

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"
REFERENCE = re.compile(r"Reference: ([A-Z2-9]{3}-[A-Z2-9]{3})")
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


MODEL_MODULES = ("model", "network", "errors")
"""The domain model and the modules it was split into (each under 250 lines)."""


def test_the_domain_model_imports_only_the_standard_library() -> None:
    own = {f"bot.domain.{name}" for name in MODEL_MODULES}
    outside = [
        i.module
        for name in MODEL_MODULES
        for i in imports_of(ROOT / "bot" / "domain" / f"{name}.py")
        if i.root not in sys.stdlib_module_names and i.module not in own
    ]

    assert outside == []


# --- channels are plug-ins: nothing in the core names one -----------------------------------

CHANNEL_NAMES = re.compile(r"slack|telegram", re.IGNORECASE)


def channel_mentions(path: Path, root: Path = ROOT) -> list[str]:
    """Names and strings in ``path`` that name a channel; comments and docstrings may."""
    found = []
    with path.open("rb") as source:
        tokens = list(tokenize.tokenize(source.readline))
    for index, token in enumerate(tokens):
        if token.type not in (tokenize.NAME, tokenize.STRING):
            continue
        if token.type == tokenize.STRING and _is_docstring(tokens, index):
            continue
        if CHANNEL_NAMES.search(token.string):
            found.append(f"{name(path, root)}:{token.start[0]} names {token.string[:40]!r}")
    return found


_BEFORE_A_STATEMENT = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT}


def _is_docstring(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    """A string that is a statement of its own (a module's, class's, function's or
    attribute's docstring), not part of an expression."""
    before = next(
        (t for t in reversed(tokens[:index]) if t.type != tokenize.COMMENT),
        None,
    )
    after = next((t for t in tokens[index + 1 :] if t.type != tokenize.COMMENT), None)
    opens = before is None or before.type in _BEFORE_A_STATEMENT or before.type == tokenize.ENCODING
    return opens and after is not None and after.type in (tokenize.NEWLINE, tokenize.ENDMARKER)


def test_nothing_in_the_core_or_the_dialogs_names_a_channel_outside_comments() -> None:
    found = [problem for path in core_files() for problem in channel_mentions(path)]

    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"""Slack modals, as an example."""\n# telegram too\nx = 1\n', []),
        ("def f():\n    '''A Telegram limit.'''\n    return 1\n", []),
        ('x = "slack"\n', ["bot/x.py:1 names '\"slack\"'"]),
        ("telegram_username = 1\n", ["bot/x.py:1 names 'telegram_username'"]),
        ('f(\n    "Telegram: t.me"\n)\n', ["bot/x.py:2 names '\"Telegram: t.me\"'"]),
        ('x = 1\n"""An attribute\'s docstring about Slack."""\n', []),
    ],
)
def test_the_channel_name_rule_itself_reads_strings_and_names_not_comments(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    (tmp_path / "bot").mkdir()
    path = tmp_path / "bot" / "x.py"
    path.write_text(source, encoding="utf-8")

    assert channel_mentions(path, tmp_path) == expected


def test_every_channel_is_one_package_under_adapters_with_one_registry_entry() -> None:
    for channel in REGISTRY:
        package = ROOT / "adapters" / channel.name
        assert (package / "plugin.py").is_file(), channel.name
        assert isinstance(channel.loggers, tuple)
    assert REGISTRY.names == ("telegram", "slack", "matrix", "console")
    assert not (ROOT / "adapters" / "base.py").exists()


def test_a_channel_package_imports_no_other_channel_package() -> None:
    packages = set(REGISTRY.names)
    found = [
        f"{name(path)}:{i.line} imports {i.module}"
        for channel in packages
        for path in sorted((ROOT / "adapters" / channel).rglob("*.py"))
        for i in imports_of(path)
        if i.module.split(".")[:1] == ["adapters"]
        and len(i.module.split(".")) > 1
        and i.module.split(".")[1] in packages - {channel}
    ]

    assert found == []


def test_the_test_channel_plugs_in_without_the_adapters() -> None:
    paths = sorted((ROOT / "tests" / "echo_channel").rglob("*.py"))
    found = [
        f"{name(path)}:{i.line} imports {i.module}"
        for path in paths
        for i in imports_of(path)
        if i.root == ADAPTERS
    ]

    assert {p.name for p in paths} >= {"settings.py", "runtime.py", "plugin.py"}
    assert found == []


LOAD_THE_REGISTRY = """
import json, sys
from adapters.registry import REGISTRY
from bot.app.config import load_settings
load_settings(None, {}, REGISTRY)
print(json.dumps(sorted({m.split(".", 1)[0] for m in sys.modules})))
"""


def test_reading_the_channels_settings_loads_no_channel_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOAD_THE_REGISTRY],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )

    assert set(json.loads(done.stdout)) & CHANNEL_LIBRARIES == set()


def test_the_terminal_chat_loads_no_channel_library_and_no_http_server(tmp_path: Path) -> None:
    key = base64.urlsafe_b64encode(hashlib.sha256(b"terminal").digest()).decode()
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONCERNBOT_", "TELEGRAM_", "SLACK_"))
    } | {
        "CONCERNBOT_CONFIG": str(EXAMPLE),
        "CONCERNBOT_DATABASE_URL": database_url(tmp_path / "bot.db"),
        "CONCERNBOT_ENCRYPTION_KEYS": f"t1:{key}",
        "PYTHONPATH": str(ROOT),  # this tree's code, whatever the environment installed
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.app.cli", "console", "--user", "ann"],
        input="/help\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environ,
        timeout=120,
        check=True,
    )
    loaded = {
        line.rsplit("|", 1)[-1].strip().split(".", 1)[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }

    assert "/help" in done.stdout or "/new" in done.stdout  # the chat ran
    assert {"bot", "adapters"} <= loaded
    assert loaded & CHANNEL_LIBRARIES == set()


# --- one composition root, and a channel plugged in from outside bot/ -----------------------


@pytest.mark.parametrize("feed", [False, True], ids=["to-the-coordinator", "in-the-feed"])
async def test_a_channel_plugged_in_from_outside_the_core_carries_a_whole_share_dialog(
    tmp_path: Path, feed: bool
) -> None:
    config = tmp_path / "config.toml"
    echo = '\n[echo]\ntoken_env = "ECHO_ON"\n' + ('\n[echo.feeds]\ndemo = "alerts"\n' * feed)
    config.write_text(EXAMPLE.read_text(encoding="utf-8") + echo, encoding="utf-8")
    channels = REGISTRY.plus("echo", echo_plugin.load)
    environ = {"ECHO_ON": "1", "CONCERNBOT_DATABASE_URL": database_url(tmp_path / "bot.db")}
    settings = load_settings(config, environ, channels)
    settings = dataclasses.replace(
        settings, scheduler=dataclasses.replace(settings.scheduler, enabled=False)
    )
    clock = FakeClock()
    app = await compose(
        settings, channels=channels, environ=environ, clock=clock, cipher=fixed_cipher()
    )
    async with app.uow() as uow:
        for user, role in (("rita", Role.REPORTER), ("cora", Role.COORDINATOR)):
            await enrol_local(uow, settings, Address("echo", user), role, user, "en", clock.now())
        await uow.commit()
    await app.start()
    try:
        assert set(app.runtimes) == {"echo"}  # the only channel the environment configures
        assert app.feeds == ({"demo": (Address("echo", "alerts"),)} if feed else {})
        runtime = app.runtimes["echo"]
        assert isinstance(runtime, EchoRuntime)
        reporter, coordinator, room = [
            await EchoClient.connect(runtime.port, user) for user in ("rita", "cora", "alerts")
        ]
        answers = await reporter.script(SHARE_SCRIPT)
        found = REFERENCE.search(" ".join(m["text"] for m in answers))
        assert found is not None, [m["text"][:60] for m in answers]
        reference = found.group(1)

        # With a feed, the coordinators read their alerts there; without, each gets their own.
        alert = await (room if feed else coordinator).wait_for(reference)

        # A feed is written in the bot's default language, a member's message in their own.
        language = settings.bot.default_language if feed else "en"
        assert alert["text"].startswith(translator(language)("New concern shared"))
        assert alert["choices"]  # the coordinator acts on it: acknowledge, ask, ...
        assert FACTS not in alert["text"]
        async with app.uow() as uow:
            concern = await uow.concerns.by_reference(reference)
        assert concern is not None
        assert concern.facts == FACTS
        for client in (reporter, coordinator, room):
            await client.close()
    finally:
        await app.stop()


async def test_a_channel_cannot_use_a_power_it_did_not_declare(tmp_path: Path) -> None:
    settings = example_settings(tmp_path / "bot.db")
    app = await compose(settings, clock=FakeClock(), cipher=fixed_cipher(), environ={})
    try:
        sink = ChannelSink(app.bot, app.deliverer, EchoRuntime.capabilities)
        event = parse_text(Sender(Address("echo", "rita")), "/help")
        with pytest.raises(CapabilityMissing):
            await sink.respond(event)
        with pytest.raises(CapabilityMissing):
            await sink.shown(Address("echo", "rita"), "slot", "id", "ABC-DEF")
    finally:
        await app.close()


# --- small modules ------------------------------------------------------------------------

LONGEST_MODULE = 250
"""Lines a module in bot/, adapters/ or dialogs/ may have (migrations are history, not code)."""


def test_no_module_of_the_bot_is_longer_than_250_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in ("bot", "adapters", "dialogs")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }

    assert long == {}


def test_the_service_starts_without_loading_the_chart_and_pdf_libraries() -> None:
    """matplotlib and fpdf2 load on the first chart or case sheet, not at every start: they
    were most of the memory at ready (97 → 154 MB) and half a second of the start."""
    script = (
        "import sys, bot.app.cli, bot.app.composition, adapters.slack.channel, "
        "adapters.telegram.channel, adapters.console.chat\n"
        "print(sorted(m for m in ('matplotlib', 'fpdf') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"
