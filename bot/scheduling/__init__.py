"""Scheduled jobs, their scheduler and the leadership that runs them once."""
