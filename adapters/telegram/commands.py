"""The bot's command menu in Telegram, in every language it speaks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, BotCommand

from adapters.telegram.startup import Patient
from bot.i18n import N_, translator

COMMANDS = (
    ("new", N_("Share a concern or ask for advice")),
    ("advice", N_("Ask for advice anonymously")),
    ("status", N_("Your concerns and their status")),
    ("add", N_("Add information to a concern you shared")),
    ("message", N_("Write to the coordinator about a concern")),
    ("wipe", N_("Remove the bot's messages from this chat")),
    ("privacy", N_("What happens with what you share")),
    ("network", N_("Who does what in your network")),
    ("procedure", N_("Your organisation's working procedure")),
    ("language", N_("Nederlands or English")),
    ("settings", N_("Your personal settings")),
    ("help", N_("What the bot can do")),
    ("cancel", N_("Stop what you are doing")),
)


async def register_commands(patient: Patient, bot: Bot) -> None:
    """Set the menu per language, and the Dutch one for every other language."""
    for language in ("nl", "en", None):
        t = translator(language or "nl")
        commands = [BotCommand(name, t(text)) for name, text in COMMANDS]
        await patient.call("setMyCommands", _setting(bot, commands, language))


def _setting(
    bot: Bot, commands: list[BotCommand], language: str | None
) -> Callable[[], Awaitable[bool]]:
    return lambda: bot.set_my_commands(commands, language_code=language)
