"""The advice consult (issue 16): an anonymous question to the coordinators, in few turns. It
asks the professional's question, the situation in short, age band and setting, and shows a
summary to send or discard; no name, no contact question, no urgency. When someone is in danger
there is no consult: the conversation becomes the acute share."""

from __future__ import annotations

import secrets

from bot.conversation.dialog import (
    CANCEL,
    END,
    Answer,
    Answers,
    Dialog,
    DialogState,
    Kind,
    Option,
    Step,
    render,
)
from bot.conversation.flows import Flow
from bot.conversation.turn import Turn
from bot.domain.model import Mode
from bot.domain.vocabulary import AGE_BANDS, SETTINGS, label
from bot.i18n import N_, Translate
from bot.usecases import acute
from bot.usecases.referrals import offer_referrals
from bot.usecases.reporting import submit_concern
from dialogs.share import dialog as share
from dialogs.share.texts import card

NAME = "advice_consult"
SAFETY = N_(
    "Here you can ask your network's coordinators for advice, anonymously: they see neither "
    "your name nor a pseudonym that links your question to anything else you shared. "
    "First: is anyone in immediate danger right now?"
)
NO_CONSULT = N_(
    "Because someone may be in danger, this cannot be an anonymous consult: it is shared as "
    "an acute concern, so that the coordinator can act and reach you."
)
HEAD = N_("Please check your question before you send it:")


def _after_privacy(answers: Answers) -> str:
    return "question" if answers.get("privacy") == "continue" else CANCEL


def _summary(answers: Answers, t: Translate) -> str:
    return "\n".join(
        (
            t(HEAD),
            "",
            f"{t(N_('Your question'))}:\n{answers.get('question', '')}",
            f"{t(N_('The situation'))}:\n{answers.get('situation', '')}",
            f"{t(N_('Age'))}: {label(AGE_BANDS, str(answers.get('age_band', '')), t)}",
            f"{t(N_('Setting'))}: {label(SETTINGS, str(answers.get('setting', '')), t)}",
            t(N_("Your name is not shown; the advice comes back in this chat.")),
        )
    )


def _with_unknown(table: dict[str, str]) -> tuple[Option, ...]:
    options = tuple(Option(key, text) for key, text in table.items())
    if "unknown" in table:
        return options
    return (*options, Option("unknown", N_("I don't know")))


DIALOG = Dialog(
    name=NAME,
    first="safety",
    help=N_(
        "You are asking for advice, anonymously. Answer each question; at the end you see a "
        "summary and decide whether to send it. Nothing is sent before you confirm."
    ),
    cancelled=N_("Stopped. Nothing was stored or sent. Ask again with /advice."),
    steps=(
        Step(
            "safety",
            SAFETY,
            options=(Option("yes", N_("Yes, someone is in danger now")), Option("no", N_("No"))),
            next=lambda answers: END if answers.get("safety") == "yes" else "privacy",
        ),
        Step(
            "privacy",
            card,
            options=(Option("continue", N_("Understood, continue")), Option("stop", N_("Stop"))),
            next=_after_privacy,
        ),
        Step(
            "question",
            N_("What do you want to know? Ask your question in your own words, without names."),
            kind=Kind.TEXT,
            next="situation",
            label=N_("Your question"),
        ),
        Step(
            "situation",
            N_("Describe the situation in short: what you saw or heard. No names."),
            kind=Kind.TEXT,
            next="age_band",
            label=N_("The situation"),
        ),
        Step(
            "age_band",
            N_("How old is the young person, or the group roughly?"),
            options=_with_unknown(AGE_BANDS),
            next="setting",
            label=N_("Age"),
        ),
        Step(
            "setting",
            N_("Where did you notice it?"),
            options=_with_unknown(SETTINGS),
            next="summary",
            label=N_("Setting"),
        ),
        Step(
            "summary",
            _summary,
            options=(
                Option("send", N_("Send the question")),
                Option("discard", N_("Discard")),
            ),
            next=lambda answers: END if answers.get("summary") == "send" else CANCEL,
        ),
    ),
)


async def hand_over(turn: Turn, dialog: Dialog, step: str, answers: dict[str, Answer]) -> None:
    """Continue in ``dialog`` at ``step`` with ``answers``, as if it had been asked so far."""
    state = DialogState(dialog.name, step, answers, secrets.token_hex(3), turn=1)
    await turn.uow.dialogs.save(turn.member_id, state, turn.now)
    said = render(dialog, state, turn.t)
    turn.say(said.text, said.choices, said.nonce)


async def begin(turn: Turn, argument: str) -> dict[str, Answer]:
    """The network's figures the privacy card names (the share dialog's, which acute needs)."""
    deadlines = turn.settings.deadlines_of(turn.member.network_id)
    return {
        "_retention_days": str(turn.network.retention_days),
        "_ack_days": str(deadlines.longest_working_days()),
        "_feedback_days": str(deadlines.feedback_days),
    }


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    if answers.get("safety") == "yes":
        turn.say(turn.t(NO_CONSULT))
        alerted = {**answers, **await acute.raise_alert(turn, answers)}
        await hand_over(turn, share.DIALOG, "privacy", alerted)
        return
    consult = {**answers, "mode": Mode.ADVICE.value, "facts": answers.get("situation", "")}
    await submit_concern(turn, {**consult, "contact": "yes"})  # the advice comes back here
    offer_referrals(turn)


FLOW = Flow(
    dialog=DIALOG,
    begin=begin,
    complete=_complete,
    keeps_account=True,
    busy=N_(
        "You are in the middle of asking for advice. Finish it first, or stop it with /cancel."
    ),
)
