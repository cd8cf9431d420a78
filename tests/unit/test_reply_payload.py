"""A reply's typed parts in the outbox: rows written before the parts were typed read back the
same, and every part survives the round trip."""

from __future__ import annotations

import json

from bot.channels.events import Address
from bot.channels.parts import Attachment, Card, Copy, FieldError, Placement, Thread, View
from bot.channels.replies import Choice, Reply, outgoing_from_payload

TO = Address("slack", "C1")

# Written by Reply.to_payload when the parts were still a dict of strings ("extra").
WRITTEN_BEFORE = [
    '{"op": "reply", "text": "Details", "choices": [["act:ack:K7Q-M3X", "Acknowledge"]], '
    '"nonce": "n1", "extra": {"view": "details", "title": "K7Q-M3X", '
    '"copy": "details:K7Q-M3X:0a1b2c3d", "concern": "K7Q-M3X"}}',
    '{"op": "reply", "text": "alert", "choices": [], "nonce": null, "extra": '
    '{"slot": "alert:K7Q-M3X", "concern": "K7Q-M3X", "replace": "alert:K7Q-M3X"}}',
    '{"op": "reply", "text": "line", "choices": [], "nonce": null, "extra": {"thread": '
    '"alert:K7Q-M3X", "concern": "K7Q-M3X", "slot": "alert:K7Q-M3X:0a1b2c3d"}, '
    '"parts_sent": ["1700000000.000100"]}',
    '{"op": "reply", "text": "err", "choices": [], "nonce": null, "extra": {"error": "question"}}',
    '{"op": "reply", "text": "file", "choices": [], "nonce": null, '
    '"extra": {"file_name": "x.json", "file": "{}"}}',
    '{"op": "reply", "text": "plain", "choices": [], "nonce": null, "extra": {}}',
]

READ_AS = [
    Reply(
        TO,
        "Details",
        (Choice("act:ack:K7Q-M3X", "Acknowledge"),),
        "n1",
        view=View("details", "K7Q-M3X"),
        copy=Copy("details:K7Q-M3X:0a1b2c3d"),
        concern="K7Q-M3X",
    ),
    Reply(TO, "alert", card=Card("alert:K7Q-M3X", replaces=True), concern="K7Q-M3X"),
    Reply(
        TO,
        "line",
        parts_sent=("1700000000.000100",),
        card=Card("alert:K7Q-M3X:0a1b2c3d"),
        thread=Thread("alert:K7Q-M3X"),
        concern="K7Q-M3X",
    ),
    Reply(TO, "err", error=FieldError("question")),
    Reply(TO, "file", attachment=Attachment.text("x.json", "{}", "application/json")),
    Reply(TO, "plain"),
]


def test_rows_written_before_the_parts_were_typed_read_back_the_same() -> None:
    for written, expected in zip(WRITTEN_BEFORE, READ_AS, strict=True):
        payload = json.loads(written)
        assert outgoing_from_payload(TO, payload) == expected
        # And they are written as before: a row stays readable by the version before.
        assert expected.to_payload() == payload


def test_every_typed_part_survives_the_outbox_round_trip() -> None:
    everything = Reply(
        TO,
        "all of it",
        (Choice("a", "A"),),
        "n2",
        parts_sent=("p1", "p2"),
        view=View("reply", "K7Q-M3X"),
        attachment=Attachment.text("export.json", '{"a": 1}', "application/json"),
        card=Card("alert:K7Q-M3X", replaces=True),
        thread=Thread("alert:K7Q-M3X"),
        copy=Copy("details:K7Q-M3X:1"),
        concern="K7Q-M3X",
        error=FieldError("note"),
        placement=Placement("1700000000.000200", edit=True),
    )
    under = Reply(TO, "threaded", placement=Placement("1700000000.000300", edit=False))
    for reply in (everything, under):
        stored = json.loads(json.dumps(reply.to_payload(), ensure_ascii=False))
        assert outgoing_from_payload(TO, stored) == reply
