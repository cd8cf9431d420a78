"""The share dialog's area question: asked after the setting only in a network with areas, with
"unknown / rather not say" beside them; without areas the dialog is as it was."""

from __future__ import annotations

from bot.conversation.dialog import DialogState, start
from bot.conversation.dialog.steps import Answer
from bot.i18n import translator
from dialogs.share_concern import DIALOG
from tests.dialogs.test_share_concern import CONTEXT, Walk, _answer, walk_to

AREAS = ["Centrum", "Noord"]


class AreaWalk(Walk):
    """The default walk in a network with areas."""

    def __init__(self, language: str = "en") -> None:
        context: dict[str, Answer] = {**CONTEXT, "_areas": list(AREAS)}
        begun = start(DIALOG, "f00d", translator(language), context)
        assert begun.state is not None
        self.state: DialogState = begun.state
        self.last = begun
        self.visited = [self.state.step]


def area_walk_to(key: str) -> AreaWalk:
    walk = AreaWalk()
    while walk.state.step != key:
        before = walk.state.step
        if before == "area":
            walk.choose("Noord")
        else:
            _answer(walk, before, False)
        assert walk.state.step != before, f"stuck at {before}"
    return walk


def test_with_areas_the_area_is_asked_after_the_setting_with_unknown_beside_them() -> None:
    walk = area_walk_to("area")
    assert walk.visited[-2] == "setting"
    assert "In which area (district)?" in walk.said.text
    assert walk.labels == ["Centrum", "Noord", "Unknown / rather not say"]


def test_the_chosen_area_is_in_the_answers_and_the_summary() -> None:
    walk = area_walk_to("summary")
    assert walk.state.answers["area"] == "Noord"
    assert "Area: Noord" in walk.said.text
    assert walk.visited.index("area") == walk.visited.index("setting") + 1
    assert walk.visited[walk.visited.index("area") + 1] == "frequency"


def test_unknown_rather_not_say_is_an_answer() -> None:
    walk = area_walk_to("area")
    walk.choose("unknown")
    assert walk.state.answers["area"] == "unknown"
    assert walk.state.step == "frequency"


def test_the_area_can_be_changed_from_the_summary() -> None:
    walk = area_walk_to("summary")
    walk.choose("edit")
    assert "Area" in walk.labels
    walk.choose("area")
    assert walk.state.step == "area"
    walk.choose("Centrum")
    assert walk.state.step == "summary"
    assert "Area: Centrum" in walk.said.text


def test_without_areas_no_area_question_nor_summary_line() -> None:
    walk = walk_to("summary")
    assert "area" not in walk.visited
    assert "Area" not in walk.said.text
    walk.choose("edit")
    assert "Area" not in walk.labels
