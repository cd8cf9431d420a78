"""The Matrix channel: end-to-end encrypted direct chats through mautrix."""

from bot.i18n import register_catalog

register_catalog(__name__)  # this channel's texts: locale/ beside this file
