"""``[security]``: how long a step-up code holds (default 15 minutes, from 1 to 1440)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.startup_errors import ConfigError
from tests.channel_settings import load as load_settings
from tests.unit.test_config import EXAMPLE, MINIMAL_NETWORK, load


def test_the_idle_time_is_15_minutes_unless_configured(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL_NETWORK).security.step_up_idle_minutes == 15
    assert load_settings(EXAMPLE, {}).security.step_up_idle_minutes == 15
    configured = load(tmp_path, "[security]\nstep_up_idle_minutes = 5\n" + MINIMAL_NETWORK)
    assert configured.security.step_up_idle_minutes == 5
    environ = {"CONCERNBOT_SECURITY_STEP_UP_IDLE_MINUTES": "30"}
    assert load(tmp_path, MINIMAL_NETWORK, environ).security.step_up_idle_minutes == 30


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_an_idle_time_outside_1_to_1440_minutes_is_refused(tmp_path: Path, minutes: int) -> None:
    with pytest.raises(ConfigError, match=r"\[security\] step_up_idle_minutes"):
        load(tmp_path, f"[security]\nstep_up_idle_minutes = {minutes}\n" + MINIMAL_NETWORK)
