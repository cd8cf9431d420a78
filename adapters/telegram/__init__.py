"""The Telegram channel: translation, lifecycle and transport."""
