"""[deadlines] and a network's own [networks.deadlines]: defaults, overrides, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.deadlines import DeadlineSettings
from bot.settings import Settings
from bot.startup_errors import ConfigError
from tests.channel_settings import load as load_settings

NETWORK = """
[[networks]]
id = "demo"
name = "Demo"
{extra}

[[networks.organisations]]
id = "org"
name = "Organisation"
"""


def load(tmp_path: Path, text: str) -> Settings:
    """Load ``text`` as a configuration file with no environment."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, {})


def test_each_urgency_has_a_default_deadline(tmp_path: Path) -> None:
    deadlines = load(tmp_path, NETWORK.format(extra="")).deadlines
    assert (deadlines.soon_working_days, deadlines.week_working_days) == (1, 3)
    assert deadlines.no_rush_working_days == 5
    assert deadlines.acute_acknowledge_minutes == 15


def test_a_network_overrides_some_deadlines_and_keeps_the_rest(tmp_path: Path) -> None:
    text = "[deadlines]\nno_rush_working_days = 4\n" + NETWORK.format(
        extra="[networks.deadlines]\nacute_acknowledge_minutes = 10\nweek_working_days = 2\n"
    )
    settings = load(tmp_path, text)
    own = settings.deadlines_of("demo")
    assert own == DeadlineSettings(
        acute_acknowledge_minutes=10, week_working_days=2, no_rush_working_days=4
    )


def test_a_network_without_its_own_deadlines_uses_the_bots(tmp_path: Path) -> None:
    settings = load(tmp_path, NETWORK.format(extra=""))
    assert settings.deadlines_of("demo") is settings.deadlines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[deadlines]\nsoon_working_days = 0\n" + NETWORK.format(extra=""),
            r"\[deadlines\] soon_working_days: must be at least 1",
        ),
        (
            NETWORK.format(extra="[networks.deadlines]\nweek_working_days = 9\n"),
            r"network 'demo': \[networks.deadlines\] soon_working_days, week_working_days, "
            r"no_rush_working_days 1, 9, 5: a more urgent concern would be due later",
        ),
        (
            NETWORK.format(extra="[networks.deadlines]\nweek_days = 2\n"),
            r"\[networks.deadlines\] has unknown keys: week_days",
        ),
        (
            NETWORK.format(extra='[networks.deadlines]\nweek_working_days = "2"\n'),
            r"\[networks.deadlines\] week_working_days must be of type int",
        ),
    ],
)
def test_bad_deadlines_are_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)
