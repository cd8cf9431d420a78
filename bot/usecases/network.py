"""Coordinator use cases about the network: invitations, trend notes, statistics."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.protocol import InvitesInChat
from bot.conversation.cards import when
from bot.conversation.text import clean
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.i18n import N_
from bot.scheduling.jobs.digest import USEFUL
from bot.usecases.invites import create_invite

INVITE_VALIDITY = timedelta(days=7)
NOTE_LIMIT = 2000
ONLY_COORDINATORS = N_("Only coordinators can do that.")


def _is_coordinator(turn: Turn) -> bool:
    if turn.member.role is Role.COORDINATOR:
        return True
    turn.say(turn.t(ONLY_COORDINATORS))
    return False


async def invite(turn: Turn, args: str) -> None:
    """Create a single-use invitation: ``reporter|coordinator [organisation]``."""
    if not _is_coordinator(turn):
        return
    t = turn.t
    words = args.split()
    role_name = words[0].lower() if words else ""
    organisation_id = words[1] if len(words) > 1 else turn.member.organisation_id
    organisations = {o.id: o for o in turn.network.organisations}
    roles = [Role.REPORTER.value, Role.COORDINATOR.value]
    if turn.settings.municipality_of(turn.network.id) is not None:
        roles.append(Role.MUNICIPALITY.value)
    if role_name not in roles or organisation_id not in organisations:
        turn.say(
            t(N_("Use: invite {roles} [organisation]. Organisations: {ids}")).format(
                roles="|".join(roles), ids=", ".join(organisations)
            )
        )
        return
    role = Role(role_name)
    code = await create_invite(
        turn.uow, turn.settings, organisation_id, role, INVITE_VALIDITY, turn.now
    )
    await turn.log("invite", f"ok:{role.value}")
    link = next(
        (
            s.invite_link(code)
            for s in turn.settings.channels.values()
            if isinstance(s, InvitesInChat)
        ),
        code,
    )
    turn.say(
        t(
            N_(
                "Invitation for a {role} of {organisation}, single use, "
                "valid until {until}:\n{link}\nShare it only with that person."
            )
        ).format(
            role=turn.t(ROLE_NAMES[role]),
            organisation=organisations[organisation_id].name,
            until=when(turn.now + INVITE_VALIDITY, turn.settings.bot.timezone, turn.t),
            link=link,
        )
    )


async def add_note(turn: Turn, text: str) -> None:
    """Store a trend note for the network's next digest."""
    if not _is_coordinator(turn):
        return
    note = clean(text)
    if not note:
        turn.say(
            turn.t(
                N_(
                    "Use: note <what you see happening>. The note goes into the next "
                    "digest, without names."
                )
            )
        )
        return
    if len(note) > NOTE_LIMIT:
        turn.say(turn.t(N_("A note can be at most {limit} characters.")).format(limit=NOTE_LIMIT))
        return
    await turn.uow.notes.add(turn.member.network_id, turn.member_id, note, turn.now)
    turn.say(turn.t(N_("Noted for the next digest.")))


USEFUL_REMARKS = N_("with a remark: {count} (read them in each concern's case file)")


async def show_stats(turn: Turn) -> None:
    """Counts for the coordinator's network: open, overdue, activity in the last 30 days."""
    if not _is_coordinator(turn):
        return
    t = turn.t
    stats = await turn.uow.stats.network(
        turn.member.network_id, turn.now, turn.now - timedelta(days=30)
    )
    useful = await turn.uow.stats.usefulness(
        turn.member.network_id, turn.now - timedelta(days=30), turn.now
    )
    useful_line = ", ".join(f"{t(text)}: {useful.get(key, 0)}" for key, text in USEFUL.items())
    remarks = await turn.uow.stats.remarks(
        turn.member.network_id, turn.now - timedelta(days=30), turn.now
    )
    useful_line += " · " + t(USEFUL_REMARKS).format(count=remarks)
    in_time = (
        f"{stats.acknowledged_in_time_since}/{stats.acknowledged_since}"
        if stats.acknowledged_since
        else "–"
    )
    turn.say(
        "\n".join(
            [
                t(N_("{network}, now and over the last 30 days:")).format(
                    network=turn.network.name
                ),
                f"{t(N_('Open'))}: {stats.open} ({t(N_('overdue'))}: {stats.overdue}, "
                f"{t(N_('acute'))}: {stats.acute_open})",
                f"{t(N_('Shared'))}: {stats.shared_since}",
                f"{t(N_('Closed'))}: {stats.closed_since}",
                f"{t(N_('Acknowledged within the deadline'))}: {in_time}",
                f"{t(N_('Was sharing useful?'))} {useful_line}",
            ]
        )
    )


ROLE_NAMES = {
    Role.REPORTER: N_("reporter"),
    Role.COORDINATOR: N_("coordinator"),
    Role.MUNICIPALITY: N_("municipality adviser"),
}
"""A role as people read it (the invite names the role it is for)."""
BACKUP_ON = N_(
    "Saved: you are a backup coordinator now. When an acute concern is not acknowledged in "
    "time, you are alerted too. /backup off stops it."
)
BACKUP_OFF = N_(
    "Saved: you are no longer a backup coordinator; you are not alerted about late acute "
    "concerns of others. /backup on turns it back on."
)


async def set_backup(turn: Turn, args: str) -> None:
    """``backup on|off``: whether this coordinator is escalated to for late acute concerns."""
    if not _is_coordinator(turn):
        return
    choice = args.strip().lower()
    if choice not in ("on", "off"):
        turn.say(
            turn.t(
                N_(
                    "Use: backup on|off. Backup coordinators are alerted when an acute "
                    "concern is not acknowledged in time."
                )
            )
        )
        return
    await turn.uow.members.set_backup(turn.member_id, choice == "on")
    turn.say(turn.t(BACKUP_ON if choice == "on" else BACKUP_OFF))
