"""The share dialog's steps: safety and one privacy card, the reporter's own words first, then
the follow-ups that separate facts, source, interpretation and counter-signals, then the closed
questions, urgency, contact and identity, and a summary to confirm."""

from __future__ import annotations

from bot.conversation.dialog import (
    ADD,
    CANCEL,
    END,
    REPLACE,
    Answers,
    Dialog,
    Kind,
    Option,
    Step,
)
from bot.domain.vocabulary import (
    ACTIONS,
    AGE_BANDS,
    FREQUENCIES,
    INFORMED,
    SETTINGS,
    SOURCES,
    SUBJECTS,
    URGENCIES,
)
from bot.i18n import N_
from dialogs.share import area, texts
from dialogs.share.summary import summary
from dialogs.share.texts import SAFETY, card, danger, facts_so_far, identity_prompt

NAME = "share_concern"


def _entries(table: dict[str, str]) -> tuple[Option, ...]:
    return tuple(Option(key, text) for key, text in table.items())


def _after_privacy(answers: Answers) -> str:
    choice = answers.get("privacy")
    return "facts" if choice == "continue" else END if choice == texts.ADVICE else CANCEL


def _after_informed(answers: Answers) -> str:
    return "identity" if danger(answers) else "urgency"


def _after_summary(answers: Answers) -> str:
    return {"confirm": END, "edit": "edit_pick", "discard": CANCEL}[str(answers["summary"])]


_EDITABLE = (
    "facts_edit",
    "source",
    "interpretation",
    "counter_signals",
    "subject",
    "age_band",
    "setting",
    "frequency",
    "actions_taken",
    "informed",
)


def _editable(answers: Answers) -> tuple[Option, ...]:
    keys = list(_EDITABLE)
    if area.areas(answers):
        keys.insert(keys.index("frequency"), "area")
    if not danger(answers):
        keys += ["urgency", "contact"]
    keys.append("identity")
    return tuple(Option(k, DIALOG.step(k).label) for k in keys)


DIALOG = Dialog(
    name=NAME,
    first="safety",
    summary="summary",
    help=N_(
        "You are sharing a concern. Answer each question; at the end you see a summary "
        "and decide whether to share it. Nothing is shared before you confirm. "
        "For advice instead, anonymously and in a few questions: /advice."
    ),
    cancelled=N_("Stopped. Nothing was stored or shared. Start again with /new."),
    steps=(
        Step(
            "safety",
            SAFETY,
            options=(Option("yes", N_("Yes, someone is in danger now")), Option("no", N_("No"))),
            next="privacy",
        ),
        Step(
            "privacy",
            card,
            options=texts.card_options,
            next=_after_privacy,
        ),
        Step(
            "facts",
            N_(
                "Tell me in your own words what you saw or heard: what was said or done, when, "
                "how often. No names. You may use several messages; choose Done when complete."
            ),
            kind=Kind.LONG_TEXT,
            next="source",
            label=N_("What you observed"),
        ),
        Step(
            "source",
            N_("Where does this come from? If the parts come from different sources, say so."),
            options=_entries(SOURCES),
            next=lambda a: "sources_detail" if a.get("source") == "several" else "interpretation",
            label=N_("Source"),
        ),
        Step(
            "sources_detail",
            texts.PER_PART,
            kind=Kind.TEXT,
            skippable=True,
            next="interpretation",
            label=N_("Source per part"),
        ),
        Step(
            "interpretation",
            N_(
                "What do you make of it yourself? Your interpretation is kept apart from the facts."
            ),
            kind=Kind.TEXT,
            skippable=True,
            next="counter_signals",
            label=N_("Your interpretation"),
        ),
        Step(
            "counter_signals",
            N_(
                "Did you notice anything that points the other way (protective factors, "
                "signs it may be less serious)?"
            ),
            kind=Kind.TEXT,
            skippable=True,
            next="subject",
            label=N_("Signals pointing the other way"),
        ),
        Step(
            "subject",
            N_("Is it about one young person, a group, an incident or online content?"),
            options=_entries(SUBJECTS),
            next="age_band",
            label=N_("About"),
        ),
        Step(
            "age_band",
            N_("How old is the young person, or the group roughly?"),
            options=_entries(AGE_BANDS),
            next="setting",
            label=N_("Age"),
        ),
        Step(
            "setting",
            N_("Where did you notice it?"),
            options=_entries(SETTINGS),
            next=area.after_setting,
            label=N_("Setting"),
        ),
        area.STEP,
        Step(
            "frequency",
            N_("How often, and since when?"),
            options=_entries(FREQUENCIES),
            next="actions_taken",
            label=N_("How often"),
        ),
        Step(
            "actions_taken",
            N_("What has already been done? Pick all that apply, then choose Done."),
            kind=Kind.MULTI,
            options=_entries(ACTIONS),
            next="informed",
            label=N_("Already done"),
        ),
        Step(
            "informed",
            N_("Do the young person or the parents know, or were they told, that you share this?"),
            options=_entries(INFORMED),
            next=_after_informed,
            label=N_("Young person or parents know"),
        ),
        Step(
            "urgency",
            N_("How urgent is it?"),
            options=tuple(o for o in _entries(URGENCIES) if o.id != "acute"),
            next="contact",
            label=N_("Urgency"),
        ),
        Step(
            "contact",
            N_("May the coordinator contact you about this, through this chat?"),
            options=(Option("yes", N_("Yes")), Option("no", N_("No"))),
            next="identity",
            label=N_("Contact"),
        ),
        Step(
            "identity",
            identity_prompt,
            options=(
                Option("name", N_("Show my name")),
                Option("pseudonym", N_("Stay pseudonymous")),
            ),
            next="summary",
            label=N_("Your name"),
        ),
        Step(
            "summary",
            summary,
            options=(
                Option("confirm", N_("Share it")),
                Option("edit", N_("Change a part")),
                Option("discard", N_("Discard")),
            ),
            next=_after_summary,
        ),
        Step(
            "edit_pick",
            N_("Which part do you want to change?"),
            options=_editable,
            picks_step_to_edit=True,
            next="summary",
        ),
        Step(
            "facts_edit",
            facts_so_far,
            options=(Option(ADD, N_("Add to it")), Option(REPLACE, N_("Replace it"))),
            adds_or_replaces=True,
            next="facts",
            label=N_("What you observed"),
        ),
    ),
)
