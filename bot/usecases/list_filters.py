"""The filters of /list: the words a coordinator types after it, in English or Dutch."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.network import Network, Organisation
from bot.i18n import N_, Translate

WORDS = {
    "mine": "mine",
    "mijn": "mine",
    "unassigned": "unassigned",
    "niettoegewezen": "unassigned",
    "niet-toegewezen": "unassigned",
    "late": "late",
    "telaat": "late",
    "te-laat": "late",
    "acute": "acute",
    "acuut": "acute",
    "org": "org",
}
"""Each filter word, English and Dutch, and the filter it names."""
UNKNOWN = N_(
    "I do not know the filter “{word}”. /list takes: mine, unassigned, late, acute and "
    "org <organisation> (in Dutch: mijn, niettoegewezen, telaat, acuut, org), combined as you "
    "like, e.g. /list mine late."
)
SHOWN = {
    "mine": N_("mine"),
    "unassigned": N_("unassigned"),
    "late": N_("late"),
    "acute": N_("acute"),
}
"""How each filter is named back to the coordinator, in their language."""
NO_ORG = N_("There is no organisation “{name}” in your network. Organisations: {known}.")
ORG_MISSING = N_("Name the organisation after org, e.g. /list org {example}.")


@dataclass(frozen=True)
class Filters:
    """Which open concerns a /list shows (all of them when nothing is set)."""

    mine: bool = False
    unassigned: bool = False
    late: bool = False
    acute: bool = False
    organisation: Organisation | None = None

    def named(self, t: Translate) -> tuple[str, ...]:
        """The filters set, in the reader's language (the organisation by its name)."""
        words = [t(SHOWN[w]) for w in ("mine", "unassigned", "late", "acute") if getattr(self, w)]
        if self.organisation is not None:
            words.append(self.organisation.name)
        return tuple(words)


def parse_filters(args: str, network: Network, t: Translate) -> Filters | str:
    """The filters typed after /list, or the message that says what is wrong with them."""
    words = args.split()
    found: dict[str, bool] = {}
    organisation = None
    index = 0
    while index < len(words):
        word = words[index]
        kind = WORDS.get(word.casefold())
        if kind is None:
            return t(UNKNOWN).format(word=word[:40])
        index += 1
        if kind != "org":
            found[kind] = True
            continue
        named = []
        while index < len(words) and words[index].casefold() not in WORDS:
            named.append(words[index])
            index += 1
        if not named:
            return t(ORG_MISSING).format(example=network.organisations[0].id)
        organisation = find_organisation(network, " ".join(named))
        if organisation is None:
            known = ", ".join(f"{o.name} ({o.id})" for o in network.organisations)
            return t(NO_ORG).format(name=" ".join(named)[:60], known=known)
    return Filters(organisation=organisation, **found)


def find_organisation(network: Network, name: str) -> Organisation | None:
    """The network's organisation with this id or name (in any case)."""
    wanted = name.casefold()
    for organisation in network.organisations:
        if wanted in (organisation.id.casefold(), organisation.name.casefold()):
            return organisation
    return None
