"""The homeserver's 429: the wait it names (retry_after_ms) reaches the outbox as RetryLater,
and every reply arrives once, in order."""

from __future__ import annotations

import pytest

from adapters.matrix.limits import DEFAULT_WAIT, retry_after
from bot.channels.events import Address
from bot.channels.replies import Reply
from bot.delivery.outcomes import RetryLater
from tests.matrix.homeserver import Homeserver
from tests.matrix.matrix_world import MatrixWorld


def test_the_wait_is_read_from_the_body_then_the_header() -> None:
    assert retry_after({"retry_after_ms": 1848}, "2") == pytest.approx(1.848)
    assert retry_after({"errcode": "M_LIMIT_EXCEEDED"}, "2") == 2.0
    assert retry_after(None, None) == DEFAULT_WAIT
    assert retry_after(None, "soon") == DEFAULT_WAIT


async def test_a_429_is_waited_out_with_the_servers_wait_and_nothing_is_lost(
    world: MatrixWorld, homeserver: Homeserver
) -> None:
    reporter = await world.user("reporter")
    await world.enrol(reporter)
    await homeserver.limit_messages(world.bot.user_id, 1, 2)
    to = Address("matrix", reporter.client.user_id)
    waits: list[float] = []
    for number in range(6):
        reply = Reply(to, f"numbered message {number}")
        while True:
            try:
                await world.adapter.send(reply)
                break
            except RetryLater as error:
                # The outbox would try again after this; the adapter's limiter holds it too.
                waits.append(error.retry_after)
    await homeserver.limit_messages(world.bot.user_id, 0, 0)

    assert waits, "the homeserver never said 429"
    assert all(0 < wait <= 3.0 for wait in waits)
    await reporter.wait_for(
        lambda _: sum(t.startswith("numbered message") for t in reporter.texts()) == 6
    )
    got = [t for t in reporter.texts() if t.startswith("numbered message")]
    assert got == [f"numbered message {n}" for n in range(6)]
