"""The periodic trend digest: aggregates for the network, small counts suppressed, plus the
recipient's own open concerns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.channels.events import Address
from bot.channels.replies import Reply
from bot.conversation.cards import when
from bot.domain.model import Network, Role
from bot.domain.suppression import suppress
from bot.domain.vocabulary import OUTCOMES, SETTINGS, STATUSES, SUBJECTS, label
from bot.i18n import N_, N_plural, Translate, ngettext, translator
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


CHANGE = {
    "more": N_plural(
        "{now} concern was shared, more than the period before ({before}).",
        "{now} concerns were shared, more than the period before ({before}).",
    ),
    "fewer": N_plural(
        "{now} concern was shared, fewer than the period before ({before}).",
        "{now} concerns were shared, fewer than the period before ({before}).",
    ),
    "same": N_plural(
        "{now} concern was shared, as many as the period before.",
        "{now} concerns were shared, as many as the period before.",
    ),
    "few_before": N_plural(
        "{now} concern was shared, more than the period before (fewer than {k}).",
        "{now} concerns were shared, more than the period before (fewer than {k}).",
    ),
}
FEW_NOW = N_("Fewer than {k} concerns were shared, against {before} the period before.")
FEW_BOTH = N_("Fewer than {k} concerns were shared, as in the period before.")
TOO_FEW = N_("That is too few to break them down by kind or setting.")
OTHERS_FEW = N_("and fewer than {k} in other categories")
OTHERS = N_("and {count} in other categories together")
NOT_BROKEN_DOWN = N_("{count} in all, not broken down: some groups are too small to show")
FEWER = N_("fewer than {k}")


def what_changed(data: DigestData, t: Translate) -> str:
    """One sentence on the period against the one before, counts below k not given."""
    k, now, before = data.network.digest_threshold, data.total, data.previous_total
    if now < k:
        return t(FEW_BOTH if before < k else FEW_NOW).format(k=k, before=before)
    key = "few_before" if before < k else "more" if now > before else "fewer"
    text = CHANGE["same" if now == before else key]
    return ngettext(t, text, now).format(now=now, before=before, k=k)


def breakdown(
    title: str, table: dict[str, str], counts: Mapping[str, int], k: int, t: Translate
) -> list[str]:
    """A titled breakdown: cells of k or more, then one line for all that is hidden."""
    row = suppress(counts, list(table), k)
    if row.total is None:
        return [f"{t(title)}: {t(FEWER).format(k=k)}"]
    if not row.broken_down:
        return [f"{t(title)}: {t(NOT_BROKEN_DOWN).format(count=row.total)}"]
    lines = [t(title) + ":"]
    lines += [f"• {label(table, key, t)}: {count}" for key, count in row.shown]
    if row.hidden:
        rest = t(OTHERS_FEW).format(k=k) if row.rest < k else t(OTHERS).format(count=row.rest)
        lines.append(f"• {rest}")
    return lines


def acknowledged_line(data: DigestData, t: Translate) -> str:
    """How many were acknowledged, and within the deadline, unless a group is below k."""
    k, late = data.network.digest_threshold, data.acknowledged - data.acknowledged_in_time
    row = suppress({"in_time": data.acknowledged_in_time, "late": late}, ("in_time", "late"), k)
    if row.total is None:
        return t(N_("Acknowledged: fewer than {k}.")).format(k=k)
    if not row.broken_down:
        return t(
            N_(
                "Acknowledged: {acknowledged}; how many within the deadline is not shown, "
                "as one of the two groups is small."
            )
        ).format(acknowledged=data.acknowledged)
    return t(N_("Acknowledged within the deadline: {in_time} of {acknowledged}")).format(
        in_time=data.acknowledged_in_time, acknowledged=data.acknowledged
    )


def network_part(data: DigestData, t: Translate) -> list[str]:
    """The aggregate lines every subscriber of the network sees: what changed first, then only
    counts of k or more, each breakdown's small cells together in one line."""
    k = data.network.digest_threshold
    week = data.length == WEEK
    lines = [
        (
            t(N_("Trend update for {network}, the past week"))
            if week
            else t(N_("Trend update for {network}, the past four weeks"))
        ).format(network=data.network.name),
        "",
        what_changed(data, t),
    ]
    if data.total < k:
        lines.append(t(TOO_FEW))
    else:
        lines += breakdown(N_("By kind"), SUBJECTS, data.subjects, k, t)
        lines += breakdown(N_("By setting"), SETTINGS, data.settings, k, t)
    lines.append(acknowledged_line(data, t))
    if data.outcomes:
        lines += breakdown(N_("Closed, by outcome"), OUTCOMES, data.outcomes, k, t)
    if data.useful:
        lines += breakdown(N_("Answers to “Was sharing useful?”"), USEFUL, data.useful, k, t)
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
            if member.role is Role.MUNICIPALITY:
                continue  # the adviser reads /trends; the digest carries the coordinators' notes
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
