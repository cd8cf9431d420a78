"""/wipe on Matrix: the bot redacts every message of its own still on record, however old
(Matrix has no 48-hour limit), its own notes too, and says only what is true there."""

from __future__ import annotations

from nio import RedactionEvent, RoomMessageNotice, RoomMessageText

from tests.matrix.matrix_world import MatrixWorld


async def test_wipe_redacts_the_bots_messages_older_than_48_hours_and_its_device_note(
    world: MatrixWorld,
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    await reporter.say("/privacy")
    await reporter.wait_text("fingerprint")
    bot = world.bot.user_id
    shown = {
        e.event_id
        for e in reporter.received
        if isinstance(e, RoomMessageText | RoomMessageNotice) and e.sender == bot
    }
    assert len(shown) >= 4  # welcome, commands, privacy, the device note

    world.clock.advance(hours=50)  # past Telegram's 48 hours, within the 3 days on record
    await reporter.say("/wipe")
    said = await reporter.wait_text("I keep no list of my older messages")

    assert said.startswith("Done: I removed my messages of the last 3 days from this chat.")
    assert "no longer lets me" not in said
    await reporter.wait_for(
        lambda got: {e.redacts for e in got if isinstance(e, RedactionEvent)} >= shown
    )
