"""The ``[echo]`` table: where the echo channel is switched on, and its alert feeds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.app.sections import section

NAME = "echo"


@dataclass(frozen=True)
class EchoSettings:
    """On when the variable named by ``token_env`` is set; ``feeds``: network id = room."""

    token_env: str = "ECHO_TOKEN"
    feeds: dict[str, str] = field(default_factory=dict)


def read_settings(table: Mapping[str, Any], env: Mapping[str, str]) -> EchoSettings:
    """``[echo]``, read the way the core reads its own sections."""
    return section(NAME, EchoSettings, dict(table), env)
