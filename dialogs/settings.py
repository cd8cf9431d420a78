"""Personal settings dialogs: language."""

from __future__ import annotations

from bot.dialog import Answer, Dialog, Option, Step
from bot.flows import Flow
from bot.i18n import N_, translator
from bot.turn import Turn


async def _complete(turn: Turn, answers: dict[str, Answer]) -> None:
    language = str(answers["language"])
    await turn.uow.members.set_language(turn.member_id, language)
    turn.member.language = language
    turn.say(translator(language)(N_("From now on I write in English.")))


LANGUAGE = Flow(
    dialog=Dialog(
        name="language",
        first="language",
        help=N_("Choose the language the bot writes to you in."),
        cancelled=N_("Your language was not changed."),
        steps=(
            Step(
                "language",
                N_("Which language do you prefer? / Welke taal wilt u?"),
                options=(Option("nl", N_("Nederlands")), Option("en", N_("English"))),
            ),
        ),
    ),
    complete=_complete,
)
