"""The alert card of an acute concern: what is known so far, and "112 called" first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.cards import CALLED_112, alert_text, card_text
from bot.domain.model import Concern, Mode, Network, Organisation
from bot.i18n import translator

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NETWORK = Network("demo", "Demo", (Organisation("org", "Jongerenwerk Noord"),))


def acute(**changes: object) -> Concern:
    """An acute concern just alerted: only organisation, acute and time known."""
    values: dict[str, object] = dict(
        id=1,
        reference="K7Q-M3X",
        network_id="demo",
        organisation_id="org",
        reporter_id=1,
        mode=Mode.SHARE,
        subject="",
        age_band="",
        setting="",
        source="",
        urgency="acute",
        acute=True,
        contact_allowed=True,
        identity_shown=False,
        actions_taken=(),
        facts="",
        interpretation="",
        counter_signals="",
        created_at=AT,
        acknowledge_due=AT + timedelta(minutes=15),
        feedback_due=AT + timedelta(days=14),
    )
    values.update(changes)
    return Concern(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "called", "running"),
    [
        ("en", "112 called / police informed", "Intake still running"),
        ("nl", "112 gebeld / politie ingelicht", "De melder beantwoordt nog vragen"),
    ],
)
def test_112_called_comes_first_and_a_running_intake_is_said(
    language: str, called: str, running: str
) -> None:
    t = translator(language)
    lines = alert_text(acute(actions_taken=(CALLED_112,)), NETWORK, "UTC", t, True).splitlines()
    assert called in lines[1]
    assert any(running in line for line in lines)
    assert called in card_text(acute(actions_taken=(CALLED_112,)), NETWORK, "UTC", t, None)


def test_unknown_parts_are_left_out_of_the_headline() -> None:
    text = alert_text(acute(), NETWORK, "UTC", translator("en"))
    assert "K7Q-M3X · ACUTE · Share the concern\n" in text
    assert " ·  · " not in text
