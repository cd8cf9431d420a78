"""Home views in the outbox: a page shown in full, so only the newest one waiting matters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from bot.channels.events import Address
from bot.channels.home import HomeView
from bot.storage.statements import Statements
from bot.storage.tables import outbox

HOME_KEY = "home"
"""The order key of home views: they pass a recipient's messages, and wait only for each other."""
HOME_SETTLE = timedelta(seconds=2)
"""How long a changed home view waits, so that a burst of changes goes out as one."""
PENDING = "pending"


async def replace_waiting(c: Statements, to: Address, sealed: str) -> int | None:
    """Put ``sealed`` in place of the home view still waiting for ``to``; its row id, or None
    when none waits unclaimed (one being sent may have been read already: it is left alone)."""
    values = {"to_channel": to.channel, "to_address": to.user_id, "sealed": sealed}
    row = (await c.execute(_NEWER, values)).first()
    return None if row is None else int(row.id)


def settled(view: HomeView, now: datetime) -> datetime:
    """When a new home view is due: at once when just opened, else once a burst has settled."""
    return now if view.opened else now + HOME_SETTLE


_NEWER = (
    # In PostgreSQL a claim's FOR UPDATE holds the row: this update waits for it, finds the row
    # claimed, and changes nothing (a new row is written); a row it holds, a claim skips.
    update(outbox)
    .where(
        outbox.c.channel == bindparam("to_channel"),
        outbox.c.address == bindparam("to_address"),
        outbox.c.order_key == HOME_KEY,
        outbox.c.state == PENDING,
        outbox.c.claimed_until.is_(None),
    )
    .values(payload_enc=bindparam("sealed"))
    .returning(outbox.c.id)
)
