"""Removal redacts, and a file goes out encrypted (the homeserver holds only ciphertext)."""

from __future__ import annotations

from nio import RedactionEvent, RoomEncryptedMedia

from bot.channels.events import Address
from bot.channels.parts import Attachment
from bot.channels.replies import Removal, Reply
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld

CANARY = "CANARY-FILE-9b4d"


async def test_a_file_is_sent_encrypted_and_a_removal_redacts(
    world: MatrixWorld, homeserver: Homeserver
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    to = Address("matrix", reporter.client.user_id)
    mine = await reporter.say("a message to tidy away")
    data = f'{{"account": "{CANARY}"}}'.encode()
    text_id = await world.adapter.send(
        Reply(to, "Your data", attachment=Attachment("mydata.json", data, "application/json"))
    )
    assert text_id is not None

    await reporter.wait_for(lambda got: any(isinstance(e, RoomEncryptedMedia) for e in got))
    media = next(e for e in reporter.received if isinstance(e, RoomEncryptedMedia))
    assert media.body == "mydata.json"
    assert media.url.startswith("mxc://")
    assert homeserver.occurrences(CANARY) == 0

    await world.adapter.send(Removal(to, (mine, text_id)))
    await reporter.wait_for(
        lambda got: {e.redacts for e in got if isinstance(e, RedactionEvent)} >= {mine, text_id}
    )
