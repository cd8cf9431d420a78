"""The fixed answers a concern is described with, and their labels (message ids)."""

from __future__ import annotations

from bot.domain.model import Mode, Outcome, Status
from bot.i18n import N_, Translate

MODES: dict[str, str] = {
    Mode.ADVICE: N_("Ask for advice (anonymous consultation)"),
    Mode.SHARE: N_("Share the concern (the coordinator may follow up)"),
}
SUBJECTS: dict[str, str] = {
    "person": N_("One young person"),
    "group": N_("A group of young people"),
    "incident": N_("An incident or the atmosphere"),
    "online": N_("Online content"),
}
AGE_BANDS: dict[str, str] = {
    "under_12": N_("Under 12"),
    "12_15": N_("12 to 15"),
    "16_17": N_("16 or 17"),
    "18_23": N_("18 to 23"),
    "mixed": N_("Mixed ages"),
    "unknown": N_("Not known"),
}
SETTINGS: dict[str, str] = {
    "school": N_("School"),
    "youth_work": N_("Youth work or community centre"),
    "neighbourhood": N_("Street or neighbourhood"),
    "home": N_("At home or in the family"),
    "online": N_("Online or social media"),
    "sports": N_("Sports or leisure club"),
    "other": N_("Somewhere else"),
}
SOURCES: dict[str, str] = {
    "own_observation": N_("I saw or heard it myself"),
    "young_person": N_("The young person told me"),
    "colleague": N_("A colleague told me"),
    "others": N_("Others told me (parents, peers, neighbours)"),
    "online": N_("I saw it online"),
    "several": N_("Different sources for different parts"),
    "unknown": N_("I don't know"),
}
ACTIONS: dict[str, str] = {
    "talked_young_person": N_("Talked with the young person"),
    "talked_parents": N_("Talked with parents or carers"),
    "talked_colleague": N_("Talked with a colleague"),
    "informed_manager": N_("Informed my manager"),
    "called_112": N_("112 called / police informed"),
    "other": N_("Something else"),
    "unknown": N_("I don't know"),
}
FREQUENCIES: dict[str, str] = {
    "once_recent": N_("Once, in the last few days"),
    "once_earlier": N_("Once, longer ago"),
    "several": N_("Several times"),
    "ongoing": N_("It is ongoing"),
    "unknown": N_("I don't know"),
}
INFORMED: dict[str, str] = {
    "yes": N_("Yes, they know"),
    "no": N_("No"),
    "not_yet": N_("Not yet, they will be told"),
    "unsafe": N_("No, telling them would endanger someone's safety"),
    "unknown": N_("I don't know"),
}
URGENCIES: dict[str, str] = {
    "acute": N_("Acute: someone is in danger"),
    "soon": N_("Within a day or two"),
    "week": N_("This week"),
    "no_rush": N_("No rush"),
}
STATUSES: dict[str, str] = {
    Status.RECEIVED: N_("Received"),
    Status.ACKNOWLEDGED: N_("Acknowledged"),
    Status.IN_ANALYSIS: N_("In analysis"),
    Status.ACTION_TAKEN: N_("Action taken"),
    Status.CLOSED: N_("Closed"),
}
STATUS_MEANINGS: dict[str, str] = {
    Status.RECEIVED: N_(
        "Your concern has been received and is waiting for a coordinator to read it."
    ),
    Status.ACKNOWLEDGED: N_(
        # Not "has read": acknowledging takes the alert's summary, not the account (that is
        # "View details", which /status reports as "Opened by a coordinator").
        "A coordinator has taken on your concern and is now responsible for it. You hear here "
        "when they look into it or take a step, and at the latest by the date in /status."
    ),
    Status.IN_ANALYSIS: N_(
        "The coordinator is looking into your concern and weighing what should happen. They may "
        "ask you a question here; you hear when a step is taken."
    ),
    Status.ACTION_TAKEN: N_(
        "The coordinator has taken a step on your concern, such as a talk with the organisation "
        "or involving a partner; the note below says which. The concern stays open: you hear "
        "here when it is closed, and how."
    ),
    Status.CLOSED: N_("The coordinator has finished handling your concern."),
}
OUTCOMES: dict[str, str] = {
    Outcome.ADVICE_GIVEN: N_("Advice given"),
    Outcome.HANDLED_IN_ORGANISATION: N_("Handled within the organisation"),
    Outcome.CASE_MEETING: N_("Discussed in the network's case meeting"),
    Outcome.REFERRED: N_("Referred to a partner"),
    Outcome.NO_FURTHER_ACTION: N_("No further action needed"),
}
OUTCOME_MEANINGS: dict[str, str] = {
    Outcome.ADVICE_GIVEN: N_(
        "The coordinator gave advice on it; the network takes no further steps. If you notice "
        "new signals, share them again with /new."
    ),
    Outcome.HANDLED_IN_ORGANISATION: N_(
        "It is handled within the organisation, by the people responsible there; the network "
        "does not follow it further."
    ),
    Outcome.CASE_MEETING: N_(
        "It was discussed in the network's case meeting, where the partners agree together on "
        "who does what next."
    ),
    Outcome.REFERRED: N_(
        "It was passed on to a partner organisation that is better placed to act; they take it "
        "from here."
    ),
    Outcome.NO_FURTHER_ACTION: N_(
        "After looking at it, the coordinator sees no need for further steps now. If you notice "
        "new signals, share them again with /new."
    ),
}


def label(table: dict[str, str], key: str, t: Translate) -> str:
    """Translate the label for ``key`` in ``table`` (unknown keys are shown as they are)."""
    return t(table[key]) if key in table else key
