"""/trends: month by month over the last twelve months, for a coordinator's network or a
municipality adviser's networks, suppressed like the digest (bot.usecases.trend_tables)."""

from __future__ import annotations

from bot.channels.parts import Attachment
from bot.conversation.turn import Turn
from bot.domain.model import Role
from bot.domain.trends import ALL
from bot.i18n import N_
from bot.rendering.trend_series import TrendSeries
from bot.usecases.trend_report import month_name, trend_csv, trend_text, view_name
from bot.usecases.trend_tables import TrendTables, family, trend_tables

NOT_FOR_YOU = N_("Only coordinators and the municipality's adviser can see trends.")
NO_MUNICIPALITY = N_(
    "No municipality is configured to direct your network, so there are no trends to show "
    "you. Ask the operator to add it under [[municipalities]]."
)
USE = N_("Use: trends [csv] [network]. Your networks: {ids}")


def _scope(turn: Turn, words: list[str]) -> tuple[tuple[str, ...], str] | None:
    """The networks published together and the view the actor asked for, or None (said why)."""
    own = turn.member.network_id
    if turn.member.role is Role.COORDINATOR:
        if words and words != [own]:
            turn.say(turn.t(USE).format(ids=own))
            return None
        return family(turn.settings, own), own
    municipality = turn.settings.municipality_of(own)
    if municipality is None:
        turn.say(turn.t(NO_MUNICIPALITY))
        return None
    networks = municipality.networks
    if words and (len(words) > 1 or words[0] not in networks):
        turn.say(turn.t(USE).format(ids=", ".join(networks)))
        return None
    default = ALL if len(networks) > 1 else networks[0]
    return networks, words[0] if words else default


async def show_trends(turn: Turn, args: str) -> None:
    """``trends [csv] [network]``: the trend text, or the same as a CSV file."""
    if turn.member.role not in (Role.COORDINATOR, Role.MUNICIPALITY):
        await turn.log("trends", "denied")
        turn.say(turn.t(NOT_FOR_YOU))
        return
    words = args.split()
    as_csv = bool(words) and words[0].lower() == "csv"
    scope = _scope(turn, words[1:] if as_csv else words)
    if scope is None:
        return
    networks, view = scope
    tables = await trend_tables(turn.uow, turn.settings, networks, turn.now)
    await turn.log("trends", "ok:csv" if as_csv else "ok")
    t = turn.t
    if as_csv:
        name = f"trends-{view if view != ALL else 'all'}-{tables.months[-1]:%Y-%m}.csv"
        turn.say(
            t(N_("Trends for {view}, {first} to {last}, as a CSV file.")).format(
                view=view_name(view, tables, turn.settings, t),
                first=month_name(tables.months[0], t),
                last=month_name(tables.months[-1], t),
            ),
            attachment=Attachment.text(name, trend_csv(tables, view, turn.settings, t), "text/csv"),
        )
        return
    turn.say(trend_text(tables, view, turn.settings, t))
    post_trend_chart(turn, tables, view)


def post_trend_chart(turn: Turn, tables: TrendTables, view: str) -> None:
    """Post the month-by-month chart beside the text: the same published figures, hidden
    months as gaps (in Slack the file goes to the direct message, never a channel)."""
    # matplotlib loads on the first chart, not at every start (it is most of the memory).
    from bot.rendering.trend_chart import trend_chart_png

    png = trend_chart_png(chart_series(turn, tables, view), turn.t)
    name = f"trends-{view if view != ALL else 'all'}-{tables.months[-1]:%Y-%m}.png"
    turn.say(
        turn.t(N_("The same figures as a chart.")),
        attachment=Attachment(name, png, "image/png"),
    )


def chart_series(turn: Turn, tables: TrendTables, view: str) -> TrendSeries:
    """The chart's series for a view: the published month totals, None where hidden."""
    t = turn.t
    return TrendSeries(
        title=t(N_("Concerns shared per month, {view}")).format(
            view=view_name(view, tables, turn.settings, t)
        ),
        months=tables.months,
        counts=tuple(tables.month(view, m) for m in range(len(tables.months))),
        k=tables.k,
    )
