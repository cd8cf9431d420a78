"""``concernbot members reset-2fa MEMBER``: a member who lost their phone sets up again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.model import Role
from bot.settings import Settings
from bot.testing import TEST_KEY, FakeClock, RecordingOutlet, example_settings, join, start_app
from tests.integration.test_operator_members import concernbot

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def with_second_factor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, int]:
    """A coordinator with an active secret, and the command's environment."""
    settings = example_settings(tmp_path / "bot.db")
    app = await start_app(settings, FakeClock(NOW))
    try:
        carl = (await join(app, RecordingOutlet(), "carl", Role.COORDINATOR)).member
        assert carl.id is not None
        async with app.uow() as uow:
            await uow.totp.begin(carl.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", NOW)
            await uow.totp.accepted(carl.id, 59_000_000, NOW)
            await uow.commit()
    finally:
        await app.close()
    monkeypatch.setenv("CONCERNBOT_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("CONCERNBOT_ENCRYPTION_KEYS", f"test:{TEST_KEY}")
    return settings, carl.id


async def test_reset_2fa_forgets_the_secret_and_logs_it_as_the_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, carl = await with_second_factor(tmp_path, monkeypatch)

    code, out, err = await concernbot(capsys, "members", "reset-2fa", str(carl))
    again, out_again, _ = await concernbot(capsys, "members", "reset-2fa", str(carl))

    assert code == 0, err
    assert f"Reset the second factor of member {carl}" in out
    assert (again, "had no second factor" in out_again) == (0, True)
    app = await start_app(settings, FakeClock(NOW))
    try:
        async with app.uow() as uow:
            assert await uow.totp.get(carl) is None
            rows = await uow.access_log.entries(member_id=carl)
    finally:
        await app.close()
    resets = [(r.action, r.outcome, r.on_behalf_of) for r in rows if r.action == "totp_reset"]
    assert resets == [("totp_reset", "ok", "operator"), ("totp_reset", "none", "operator")]


async def test_reset_2fa_takes_a_pseudonym_and_refuses_an_unknown_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, carl = await with_second_factor(tmp_path, monkeypatch)
    app = await start_app(settings, FakeClock(NOW))
    try:
        async with app.uow() as uow:
            member = await uow.members.get(carl)
    finally:
        await app.close()
    assert member is not None

    code, out, _ = await concernbot(capsys, "members", "reset-2fa", member.pseudonym.lower())
    missing, _, err = await concernbot(capsys, "members", "reset-2fa", "R-NOBODY")

    assert code == 0
    assert f"member {carl}" in out
    assert missing != 0
    assert "no member 'R-NOBODY'" in err
