"""The legal bases a case sheet records for sharing a concern in the case meeting (GDPR/AVG)."""

from __future__ import annotations

from bot.i18n import N_

LEGAL_BASES: dict[str, str] = {
    "public_task": N_("GDPR art. 6(1)(e): public task, under the local safety house or covenant"),
    "legal_obligation": N_("GDPR art. 6(1)(c): legal obligation"),
    "vital_interest": N_("GDPR art. 6(1)(d): vital interest of the young person or another"),
    "consent": N_("GDPR art. 6(1)(a): consent"),
}
"""Key (stored) → label (a message id; Dutch: AVG art. 6 lid 1 sub …)."""
