"""The one error the domain raises, with a code a use case can turn into words."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; the message is a plain, content-free reason code."""
