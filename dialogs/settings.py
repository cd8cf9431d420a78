"""Personal settings dialogs: language."""

from __future__ import annotations

from bot.conversation.dialog import Answer, Dialog, Option, Step
from bot.conversation.flows import EVERYONE, Flow
from bot.conversation.turn import Turn
from bot.i18n import N_, translator


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
                N_("Which language do you prefer? / Welke taal wil je?"),
                options=(Option("nl", N_("Nederlands")), Option("en", N_("English"))),
            ),
        ),
    ),
    complete=_complete,
    roles=EVERYONE,
)


REMOVAL_SAVED = {
    True: N_(
        "Saved: after you share a concern, I remove your messages with the account from this "
        "chat. /settings changes it."
    ),
    False: N_(
        "Saved: after you share a concern, your messages with the account stay in this chat; "
        "remove them yourself if others may see your screen. /settings changes it."
    ),
}
DIGEST_SAVED = {
    "weekly": N_(
        "Saved: you receive the trend update about your network every week (numbers only, "
        "small numbers hidden). /digest changes it."
    ),
    "monthly": N_(
        "Saved: you receive the trend update about your network every month (numbers only, "
        "small numbers hidden). /digest changes it."
    ),
    "off": N_("Saved: you no longer receive the trend update. /digest turns it back on."),
}


async def _complete_removal(turn: Turn, answers: dict[str, Answer]) -> None:
    remove = answers["remove_messages"] == "on"
    await turn.uow.members.set_remove_messages(turn.member_id, remove)
    turn.member.remove_messages = remove
    turn.say(turn.t(REMOVAL_SAVED[remove]))


CHAT_HYGIENE = Flow(
    dialog=Dialog(
        name="settings",
        first="remove_messages",
        help=N_("Your personal settings."),
        cancelled=N_("Nothing was changed."),
        steps=(
            Step(
                "remove_messages",
                N_(
                    "After you share a concern, I remove your messages that contained the "
                    "account from this chat, so it is not left on your phone. Keep doing that?"
                ),
                options=(
                    Option("on", N_("Yes, remove them")),
                    Option("off", N_("No, leave them in the chat")),
                ),
            ),
        ),
    ),
    complete=_complete_removal,
)


async def _complete_digest(turn: Turn, answers: dict[str, Answer]) -> None:
    await turn.uow.members.set_digest(turn.member_id, str(answers["digest"]))
    turn.say(turn.t(DIGEST_SAVED[str(answers["digest"])]))


DIGEST = Flow(
    dialog=Dialog(
        name="digest",
        first="digest",
        help=N_("How often you receive the network's trend update."),
        cancelled=N_("Nothing was changed."),
        steps=(
            Step(
                "digest",
                N_(
                    "How often do you want the trend update about your network (numbers only, "
                    "small numbers hidden)?"
                ),
                options=(
                    Option("weekly", N_("Every week")),
                    Option("monthly", N_("Every month")),
                    Option("off", N_("Never")),
                ),
            ),
        ),
    ),
    complete=_complete_digest,
)
