"""The guided share-a-concern dialog (its parts live in ``dialogs.share``)."""

from __future__ import annotations

from dialogs.share.dialog import DIALOG, NAME
from dialogs.share.summary import summary_lines

__all__ = ["DIALOG", "NAME", "summary_lines"]
