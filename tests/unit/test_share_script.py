"""The scripted share path follows the share dialog: a step added to the dialog fails here first,
with the name of the step the script lacks."""

from __future__ import annotations

import pytest

from bot.share_script import share_path
from dialogs.share_concern import DIALOG

OPTIONAL = {"urgency", "contact"}  # not asked for an acute concern
NOT_ON_THE_PATH = {"edit_pick", "facts_edit", "area"}
"""Reached only by changing a part at the summary, or (area) only in a network with areas."""
PER_PART = {"sources_detail"}  # asked only when the parts come from different sources


def test_the_path_answers_every_step_of_the_dialog_in_the_dialogs_order() -> None:
    dialog_steps = [step.key for step in DIALOG.steps if step.key not in NOT_ON_THE_PATH]
    scripted = [name for name, _ in share_path(source="several").steps if name != "start"]

    assert scripted == dialog_steps
    calm = [name for name, _ in share_path().steps if name != "start"]
    assert calm == [step for step in dialog_steps if step not in PER_PART]


def test_an_acute_path_skips_the_urgency_and_the_contact() -> None:
    calm = [name for name, _ in share_path().steps]
    acute = [name for name, _ in share_path(acute=True).steps]

    assert set(calm) - set(acute) == OPTIONAL
    assert share_path(acute=True).answer("safety") == ("#yes",)


def test_the_cuts_of_the_path_add_up_to_the_whole() -> None:
    path = share_path()

    assert path.until("setting") + path.after("setting") == path.lines()
    assert path.before("facts") + path.starting_at("facts") == path.lines()
    assert path.span("facts", "facts") == path.answer("facts")
    with pytest.raises(KeyError, match="no step 'nonsense'"):
        path.until("nonsense")
