"""Scheduled jobs: plain async functions of (unit of work, settings, slot time) -> replies."""
