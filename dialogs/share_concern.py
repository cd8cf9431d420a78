"""The guided share-a-concern dialog: safety first, then purpose and privacy, then the account."""

from __future__ import annotations

from bot.conversation.dialog import CANCEL, END, Answers, Dialog, Kind, Option, Step
from bot.domain.vocabulary import (
    ACTIONS,
    AGE_BANDS,
    MODES,
    SETTINGS,
    SOURCES,
    SUBJECTS,
    URGENCIES,
    label,
)
from bot.i18n import N_, Translate

NAME = "share_concern"

INTRO = N_(
    "This conversation is for sharing a worry about a young person or a group with the "
    "coordinator of your network, who can act on it. What you write is stored encrypted, "
    "read only by your network's coordinators, and deleted after {retention_days} days. "
    "Please use no names. You can stop at any time with /cancel."
)
SAFETY = N_("First: is anyone in immediate danger right now?")
DANGER = N_(
    "Call 112 now if you have not done so yet. After that, continue here: your concern will "
    "be marked acute and the coordinator alerted at once."
)
PRIVACY = N_(
    "Before we start, what happens with what you share:\n"
    "• Stored: your answers, encrypted, to help your network see and act on signals.\n"
    "• Read by: the coordinators of your network only; every time one opens the details, "
    "that is logged.\n"
    "• Kept: until the case is closed, then {retention_days} more days, then deleted.\n"
    "• This chat is not end-to-end encrypted. Describe what happened without names of the "
    "young person, family or school class: an age band and setting are enough.\n"
    "• Feedback: a coordinator acknowledges within {ack_days} working days and you hear back "
    "here at least every {feedback_days} days. /status shows where things stand."
)
SUMMARY_HEAD = N_("Please check your account before it is shared:")


def _entries(table: dict[str, str]) -> tuple[Option, ...]:
    return tuple(Option(key, text) for key, text in table.items())


def _danger(answers: Answers) -> bool:
    return answers.get("safety") == "yes"


def _intro(answers: Answers, t: Translate) -> str:
    return t(INTRO).format(**_numbers(answers)) + "\n\n" + t(SAFETY)


def _privacy(answers: Answers, t: Translate) -> str:
    text = t(PRIVACY).format(**_numbers(answers))
    return (t(DANGER) + "\n\n" + text) if _danger(answers) else text


def _numbers(answers: Answers) -> dict[str, str]:
    return {
        k: str(answers.get(f"_{k}", "?")) for k in ("retention_days", "ack_days", "feedback_days")
    }


def _after_actions(answers: Answers) -> str:
    return "contact" if _danger(answers) else "urgency"


def _after_contact(answers: Answers) -> str:
    return "summary" if answers.get("mode") == "advice" else "identity"


def _after_summary(answers: Answers) -> str:
    return {"confirm": END, "edit": "edit_pick", "discard": CANCEL}[str(answers["summary"])]


def _after_privacy(answers: Answers) -> str:
    return "mode" if answers.get("privacy") == "continue" else CANCEL


def summary_lines(answers: Answers, t: Translate) -> list[str]:
    """The account as 'label: value' lines, in the order it was asked."""
    lines = [
        f"{t(N_('Kind'))}: {label(MODES, str(answers.get('mode', '')), t)}",
        f"{t(N_('About'))}: {label(SUBJECTS, str(answers.get('subject', '')), t)}",
        f"{t(N_('Age'))}: {label(AGE_BANDS, str(answers.get('age_band', '')), t)}",
        f"{t(N_('Setting'))}: {label(SETTINGS, str(answers.get('setting', '')), t)}",
        f"{t(N_('What you observed'))}:\n{_joined(answers.get('facts'))}",
        f"{t(N_('Source'))}: {label(SOURCES, str(answers.get('source', '')), t)}",
        f"{t(N_('Your interpretation'))}: {_or_none(answers.get('interpretation'), t)}",
        f"{t(N_('Signals pointing the other way'))}: {_or_none(answers.get('counter_signals'), t)}",
        f"{t(N_('Already done'))}: {_actions(answers, t)}",
        f"{t(N_('Urgency'))}: {label(URGENCIES, _urgency(answers), t)}",
        f"{t(N_('The coordinator may contact you'))}: "
        f"{t(N_('yes')) if answers.get('contact') == 'yes' else t(N_('no'))}",
        f"{t(N_('Your name is shown'))}: "
        f"{t(N_('yes')) if _name_shown(answers) else t(N_('no, pseudonymous'))}",
    ]
    return lines


def _name_shown(answers: Answers) -> bool:
    # As submit_concern decides: advice is anonymous, whatever was answered before a change.
    return answers.get("identity") == "name" and answers.get("mode") != "advice"


def _urgency(answers: Answers) -> str:
    return "acute" if _danger(answers) else str(answers.get("urgency", ""))


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value or "")


def _or_none(value: object, t: Translate) -> str:
    return str(value) if value else t(N_("(none)"))


def _actions(answers: Answers, t: Translate) -> str:
    picked = answers.get("actions_taken") or []
    if not picked:
        return t(N_("nothing yet"))
    return ", ".join(label(ACTIONS, str(p), t) for p in picked)


def _summary(answers: Answers, t: Translate) -> str:
    return t(SUMMARY_HEAD) + "\n\n" + "\n".join(summary_lines(answers, t))


def _editable(answers: Answers) -> tuple[Option, ...]:
    keys = [
        "mode",
        "subject",
        "age_band",
        "setting",
        "facts",
        "source",
        "interpretation",
        "counter_signals",
        "actions_taken",
    ]
    if not _danger(answers):
        keys.append("urgency")
    keys.append("contact")
    if answers.get("mode") != "advice":
        keys.append("identity")
    return tuple(Option(k, DIALOG.step(k).label) for k in keys)


DIALOG = Dialog(
    name=NAME,
    first="safety",
    summary="summary",
    help=N_(
        "You are sharing a concern. Answer each question; at the end you see a summary "
        "and decide whether to share it. Nothing is shared before you confirm."
    ),
    cancelled=N_("Stopped. Nothing was stored or shared. Start again with /new."),
    steps=(
        Step(
            "safety",
            _intro,
            options=(Option("yes", N_("Yes, someone is in danger now")), Option("no", N_("No"))),
            next="privacy",
        ),
        Step(
            "privacy",
            _privacy,
            options=(Option("continue", N_("Understood, continue")), Option("stop", N_("Stop"))),
            next=_after_privacy,
        ),
        Step(
            "mode",
            N_("Do you want advice, or do you want to share the concern?"),
            options=_entries(MODES),
            next="subject",
            label=N_("Kind"),
        ),
        Step(
            "subject",
            N_("What is the concern about?"),
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
            next="facts",
            label=N_("Setting"),
        ),
        Step(
            "facts",
            N_(
                "What did you observe? Stick to facts: what was said or done, when, how often. "
                "No names. You may use several messages; choose Done when complete."
            ),
            kind=Kind.LONG_TEXT,
            next="source",
            label=N_("What you observed"),
        ),
        Step(
            "source",
            N_("Where does this information come from?"),
            options=_entries(SOURCES),
            next="interpretation",
            label=N_("Source"),
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
            next="actions_taken",
            label=N_("Signals pointing the other way"),
        ),
        Step(
            "actions_taken",
            N_("What has already been done? Pick all that apply, then choose Done."),
            kind=Kind.MULTI,
            options=_entries(ACTIONS),
            next=_after_actions,
            label=N_("Already done"),
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
            next=_after_contact,
            label=N_("Contact"),
        ),
        Step(
            "identity",
            N_(
                "Should the coordinator see your name, or do you stay pseudonymous? "
                "Either way, questions reach you through this chat."
            ),
            options=(
                Option("name", N_("Show my name")),
                Option("pseudonym", N_("Stay pseudonymous")),
            ),
            next="summary",
            label=N_("Your name"),
        ),
        Step(
            "summary",
            _summary,
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
    ),
)
