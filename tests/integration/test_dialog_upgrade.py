"""A reporter in the middle of an account when an upgrade removed the step they were at."""

from __future__ import annotations

from dataclasses import replace

from bot.app.composition import App
from bot.share_script import share_path
from bot.testing import Chat
from tests.integration.conftest import texts

PATH = share_path()


async def _strand_at_a_removed_step(app: App, reporter: Chat) -> None:
    """Store the reporter's dialog as an older version left it: at the step "mode"."""
    member = reporter.member.id
    assert member is not None
    async with app.uow() as uow:
        state = await uow.dialogs.load(member)
        assert state is not None
        await uow.dialogs.save(member, replace(state, step="mode"), app.clock.now())
        await uow.commit()


async def test_a_dialog_at_a_step_that_no_longer_exists_resumes_with_every_answer_kept(
    app: App, reporter: Chat
) -> None:
    await reporter.script(PATH.before("setting"))
    await _strand_at_a_removed_step(app, reporter)
    said = texts(await reporter.say("/help"))
    assert "something went wrong" not in said
    assert "Where did you notice it?" in said  # the first question without an answer
    await reporter.script(PATH.starting_at("setting"))
    assert reporter.member.id is not None
    async with app.uow() as uow:
        concerns = await uow.concerns.of_reporter(reporter.member.id)
    assert len(concerns) == 1
    assert concerns[0].subject == "person"  # answered before the upgrade, kept


async def test_a_typed_answer_at_a_removed_step_is_not_lost_in_an_error(
    app: App, reporter: Chat
) -> None:
    await reporter.script(PATH.before("setting"))
    await _strand_at_a_removed_step(app, reporter)
    said = texts(await reporter.say("1"))
    assert "something went wrong" not in said
