"""Open-loop load for ``bench.turns``: turns offered at a fixed rate, not as fast as answered.

A closed loop (each reporter sends again as soon as answered) measures capacity, and its
latency is merely the queue it builds itself. Here a clock offers the turns: the k-th turn is
due at ``k / rate`` seconds, and goes to a reporter who is not waiting for an answer (they take
turns, each playing the share script from the top, over and over). Latency runs from the
moment the fake offered the update. Should every reporter still be waiting when a turn is due,
the turn waits for one: it is offered late (``late_offers``), and ``turn_from_due`` counts that
wait too, so an overloaded bot cannot hide it. A reporter's place in the script carries over
from one run to the next (``Places``): a dialog left half done goes on where it was.

Before the first run the reporters are spread over the script (``stagger``): otherwise every
reporter reaches the same line at about the same time, and the dearest lines (a dialog's
start; the confirmation, which stores, encrypts and alerts) come all at once, so that 80% of
the capacity on average is more than all of it for seconds at a time.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.common import harness_without_collections, latency_figures
from bench.platforms import TimedTelegram

LATE = 0.010
"""A turn offered this much after it was due counts as late."""
REPLY_WITHIN = 120.0


@dataclass(frozen=True)
class OpenLoop:
    """What ``bench.turns`` drives besides (or instead of) its closed loop."""

    rates: tuple[float, ...] = ()
    """Fixed rates, turns per second (``--rate N``): instead of the closed loop."""
    fractions: tuple[float, ...] = ()
    """Of the capacity the closed loop measured first (``--open-loop``: 0.5 and 0.8)."""


DRIVE: contextvars.ContextVar[OpenLoop | None] = contextvars.ContextVar("drive", default=None)
"""Set by ``bench.turns`` main: every contender's load is then driven this way."""


@dataclass
class Place:
    """Where a reporter is in the script: the next line, and the keyboard last sent."""

    index: int = 0
    keyboard: dict[str, str] = field(default_factory=dict)
    at: int = 1
    """The message id of the keyboard."""


Places = dict[int, Place]


@dataclass
class Phase:
    """One open-loop run: latencies from the offer and from the due time."""

    rate: float
    turns: int = 0
    seconds: float = 0.0
    began: float = 0.0
    last_offer: float = 0.0
    from_offered: list[float] = field(default_factory=list)
    from_due: list[float] = field(default_factory=list)
    late_offers: int = 0

    def figures(self, prefix: str) -> dict[str, float]:
        """The printable figures, each name starting with ``prefix``."""
        return {
            f"{prefix}rate_target": self.rate,
            f"{prefix}rate_offered": (self.turns - 1) / max(self.last_offer - self.began, 1e-9),
            **latency_figures(f"{prefix}turn", self.from_offered),
            **latency_figures(f"{prefix}turn_from_due", self.from_due),
            f"{prefix}late_offers": float(self.late_offers),
        }


async def take_turn(
    fake: TimedTelegram, user: int, place: Place, script: Sequence[str], counts: Sequence[int]
) -> tuple[float, int]:
    """Send ``user``'s next line and wait for its whole answer; when the answer's last message
    arrived, and the update's id. ``place`` moves on to the next line."""
    from bench.turns import buttons, update_for  # bench.turns imports this module

    index = place.index
    update = update_for(fake, user, script[index], place.keyboard, place.at)
    await fake.push(update)
    inbox = fake.inboxes[user]
    replies = [await asyncio.wait_for(inbox.get(), REPLY_WITHIN) for _ in range(counts[index])]
    for _, message in replies:
        if message.get("reply_markup"):
            place.keyboard, place.at = buttons(message), int(message["message_id"])
    place.index = (index + 1) % len(script)
    return replies[-1][0], int(update["update_id"])


async def stagger(
    fake: TimedTelegram,
    users: Sequence[int],
    script: Sequence[str],
    counts: Sequence[int],
    places: Places,
) -> None:
    """Spread the reporters over the script, unmeasured: the i-th (from the top) first plays
    i mod len(script) turns, so that the lines offered at any moment are a fair mix."""

    async def advance(user: int, turns: int) -> None:
        place = places.setdefault(user, Place())
        for _ in range(turns):
            await take_turn(fake, user, place, script, counts)

    await asyncio.gather(*(advance(u, i % len(script)) for i, u in enumerate(users)))


async def run(
    fake: TimedTelegram,
    users: Sequence[int],
    script: Sequence[str],
    counts: Sequence[int],
    rate: float,
    turns: int,
    places: Places | None = None,
) -> Phase:
    """Offer ``turns`` turns at ``rate`` per second to ``users``; wait for every answer.
    ``places`` (by user) says where each reporter is in the script, and is kept up to date."""
    phase = Phase(rate)
    places = {} if places is None else places
    due_times: asyncio.Queue[float] = asyncio.Queue()

    async def reporter(user: int) -> None:
        place = places.setdefault(user, Place())
        while (due := await due_times.get()) >= 0:
            offered = time.perf_counter()
            phase.late_offers += offered - due > LATE
            phase.last_offer = max(phase.last_offer, offered)
            answered, update_id = await take_turn(fake, user, place, script, counts)
            phase.from_offered.append(answered - fake.offered[update_id])
            phase.from_due.append(answered - due)

    with harness_without_collections():
        players = [asyncio.create_task(reporter(user)) for user in users]
        began = phase.began = time.perf_counter()
        for k in range(turns):
            due = began + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due_times.put_nowait(due)
        for _ in players:
            due_times.put_nowait(-1.0)
        await asyncio.gather(*players)
        phase.seconds = time.perf_counter() - began
    phase.turns = len(phase.from_offered)
    return phase
