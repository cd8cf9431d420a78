"""Through the real Telegram adapter and the strict fake Bot API: a spoofing display name is
cleaned before anyone sees it, and a long paste reaches the coordinator whole, up to the limit."""

from __future__ import annotations

from bot.domain.model import Role
from bot.share_script import share_path
from tests.integration import test_telegram
from tests.integration.test_telegram import COORDINATOR, POLLING, REPORTER, World, reference_in

world = test_telegram.world  # the running bot and fake Bot API of the Telegram tests

SPOOF = "Eve\u202egnp.exe\u200b"
WORDS = "a youth worker noticed something worrying at the club tonight "
NAMED = (*share_path().before("identity"), "#name", "#confirm")


async def _enrol_as(world: World, user: int, first_name: str) -> None:
    code = await world.invite()
    update = world.fake.message(user, f"/start {code}")
    update["message"]["from"]["first_name"] = first_name
    await world.deliver(update)


@POLLING
async def test_a_display_name_with_bidi_overrides_reaches_the_coordinator_cleaned(
    world: World,
) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.two_factor(COORDINATOR)  # details open on Telegram after a step-up code
    await _enrol_as(world, REPORTER, SPOOF)
    member = await world.member(REPORTER)
    assert member is not None
    assert member.display_name == "Evegnp.exe"

    reference = await world.share(REPORTER, NAMED)
    await world.press(COORDINATOR, "View details")

    details = world.texts(COORDINATOR)[-1]
    assert reference in details
    assert "Evegnp.exe (" in details
    assert "\u202e" not in "".join(world.texts(COORDINATOR))


@POLLING
async def test_a_paste_of_50000_characters_is_kept_whole_up_to_the_limit_and_shown_whole(
    world: World,
) -> None:
    await world.enrol(COORDINATOR, Role.COORDINATOR)
    await world.two_factor(COORDINATOR)  # details open on Telegram after a step-up code
    await world.enrol(REPORTER)
    await world.run_script(REPORTER, share_path().before("facts"))
    account = (WORDS * (50_000 // len(WORDS) + 1))[:50_000]
    pieces = [account[at : at + 4096] for at in range(0, len(account), 4096)]
    for piece in pieces:
        await world.say(REPORTER, piece)
    told = world.texts(REPORTER)[-1]
    await world.press(REPORTER, "done")
    await world.run_script(REPORTER, share_path().after("facts"))
    reference = reference_in(world.texts(REPORTER))

    assert len(pieces) == 13
    assert "Kept: 16384 characters" in told
    assert "Not added since then: 33616 characters in 9 messages" in told
    async with world.app.uow() as uow:
        concern = await uow.concerns.by_reference(reference)
    assert concern is not None
    assert concern.facts == account[:16_384]

    await world.press(COORDINATOR, "View details")
    shown = world.texts(COORDINATOR)
    first = max(i for i, text in enumerate(shown) if reference in text and "Shared" in text)
    seen = "".join("".join(text.split()) for text in shown[first:])
    assert "".join(account[:16_384].split()) in seen
