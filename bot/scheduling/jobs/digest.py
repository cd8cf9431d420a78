"""The periodic trend digest: aggregates for the network, small counts suppressed, plus the
recipient's own open concerns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.channels.events import Address
from bot.channels.replies import Reply
from bot.conversation.cards import when
from bot.domain.model import Network
from bot.domain.vocabulary import OUTCOMES, SETTINGS, STATUSES, SUBJECTS, label
from bot.i18n import N_, Translate, translator
from bot.settings import Settings
from bot.storage.concerns import OpenConcern
from bot.storage.uow import UnitOfWork

WEEK = timedelta(days=7)
MONTH = timedelta(days=28)
USEFUL = {"yes": N_("useful"), "partly": N_("partly useful"), "no": N_("not useful")}


@dataclass(frozen=True)
class DigestData:
    """What the network saw in one period and the one before."""

    network: Network
    length: timedelta
    end: datetime
    subjects: dict[str, int]
    settings: dict[str, int]
    previous_total: int
    acknowledged: int
    acknowledged_in_time: int
    outcomes: dict[str, int]
    useful: dict[str, int]
    notes: list[str]

    @property
    def total(self) -> int:
        """Concerns shared in the period."""
        return sum(self.subjects.values())


def shown(count: int, k: int, t: Translate) -> str:
    """A count, or 'fewer than k' when it is below the network's threshold."""
    return str(count) if count >= k else t(N_("fewer than {k}")).format(k=k)


async def digest_data(
    uow: UnitOfWork, network: Network, end: datetime, length: timedelta
) -> DigestData:
    """Collect the aggregates for the period ``[end - length, end)`` (no free text but notes)."""
    start = end - length
    counts = await uow.stats.period(network.id, start - length, start, end)
    notes = await uow.notes.between(network.id, start, end)
    return DigestData(
        network=network,
        length=length,
        end=end,
        subjects=dict(counts.subjects),
        settings=dict(counts.settings),
        previous_total=counts.previous_total,
        acknowledged=counts.acknowledged,
        acknowledged_in_time=counts.acknowledged_in_time,
        outcomes=dict(counts.outcomes),
        useful=dict(counts.useful),
        notes=[n.text for n in notes],
    )


def network_part(data: DigestData, t: Translate) -> list[str]:
    """The aggregate lines every subscriber of the network sees."""
    k = data.network.digest_threshold
    week = data.length == WEEK
    lines = [
        (
            t(N_("Trend update for {network}, the past week"))
            if week
            else t(N_("Trend update for {network}, the past four weeks"))
        ).format(network=data.network.name),
        "",
        t(N_("Concerns shared: {now} (the period before: {before})")).format(
            now=shown(data.total, k, t), before=shown(data.previous_total, k, t)
        ),
    ]
    for title, table, counts in (
        (N_("By kind"), SUBJECTS, data.subjects),
        (N_("By setting"), SETTINGS, data.settings),
    ):
        lines.append(t(title) + ":")
        lines += [f"• {label(table, key, t)}: {shown(counts.get(key, 0), k, t)}" for key in table]
    lines.append(
        t(N_("Acknowledged within the deadline: {in_time} of {acknowledged}")).format(
            in_time=shown(data.acknowledged_in_time, k, t),
            acknowledged=shown(data.acknowledged, k, t),
        )
    )
    if data.outcomes:
        lines.append(t(N_("Closed, by outcome")) + ":")
        lines += [
            f"• {label(OUTCOMES, key, t)}: {shown(data.outcomes.get(key, 0), k, t)}"
            for key in OUTCOMES
        ]
    if data.useful:
        answers = ", ".join(
            f"{t(text)}: {shown(data.useful.get(key, 0), k, t)}" for key, text in USEFUL.items()
        )
        lines.append(t(N_("Was sharing useful? {answers}")).format(answers=answers))
    if data.notes:
        lines += ["", t(N_("From the coordinators:"))] + [f"• {note}" for note in data.notes]
    return lines


def due_for(frequency: str, slot: datetime, zone: str) -> timedelta | None:
    """The period a subscriber's digest covers at this slot, or None when none is due."""
    if frequency == "weekly":
        return WEEK
    if frequency == "monthly" and slot.astimezone(ZoneInfo(zone)).day <= 7:
        return MONTH
    return None


def open_line(concern: OpenConcern, zone: str, t: Translate) -> str:
    """One of the subscriber's open concerns, worded as ``reporter_line`` words it in /status."""
    status = label(STATUSES, concern.status, t)
    head = f"{concern.reference} · {when(concern.created_at, zone, t)} · {status}"
    if concern.last_feedback:
        return head + f"\n  {t(N_('Last feedback'))}: {concern.last_feedback}"
    return head + f"\n  {t(N_('Next news at the latest'))}: {when(concern.feedback_due, zone, t)}"


async def run_digest(uow: UnitOfWork, settings: Settings, slot: datetime) -> list[Reply]:
    """Compose each subscriber's digest for the slot, in their language."""
    replies: list[Reply] = []
    zone = settings.bot.timezone
    for network in settings.networks:
        data: dict[timedelta, DigestData] = {}
        parts: dict[tuple[timedelta, str], list[str]] = {}
        own: dict[int, list[OpenConcern]] | None = None
        addresses: dict[int, Address] | None = None
        for member in await uow.members.in_network(network.id):
            length = due_for(member.digest, slot, zone)
            if length is None or member.unreachable or member.id is None:
                continue
            if addresses is None:  # one query for every subscriber, and none when nobody is due
                addresses = await uow.members.addresses_in(network.id)
            address = addresses.get(member.id)
            if address is None:
                continue
            if length not in data:
                data[length] = await digest_data(uow, network, slot, length)
            if own is None:  # one query for every subscriber, and none when nobody is due
                own = await uow.concerns.open_by_reporter(network.id)
            t = translator(member.language)
            part = (length, member.language)
            if part not in parts:
                parts[part] = network_part(data[length], t)
            lines = list(parts[part])
            if mine := own.get(member.id):
                lines += ["", t(N_("Your open concerns:"))]
                lines += [open_line(c, zone, t) for c in mine]
            lines += ["", t(N_("/digest changes how often you receive this."))]
            replies.append(Reply(address, "\n".join(lines)))
    return replies
