"""The Slack channel: translation, lifecycle, forms and alert channels."""
