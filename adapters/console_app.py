"""The terminal chat wired end to end: bot, outbox worker and console adapter for one user."""

from __future__ import annotations

import asyncio
import sys

from adapters.console import ConsoleAdapter
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.events import InboundEvent
from bot.i18n import normalise_language
from bot.model import Role
from bot.outbox import Deliverer
from bot.usecases.enrolment import EnrolmentError, enrol_local


async def run_console(settings: Settings, role: Role, user: str, language: str | None) -> int:
    """Chat as ``user`` until end of input; messages for that user print as they arrive."""
    app = await bootstrap(settings)
    try:
        adapter = ConsoleAdapter(user, language=language)
        async with app.uow() as uow:
            try:
                member = await enrol_local(
                    uow,
                    settings,
                    adapter.sender.address,
                    role,
                    user,
                    normalise_language(language or settings.bot.default_language),
                    app.clock.now(),
                )
            except EnrolmentError as error:
                print(f"concernbot: {error}", file=sys.stderr)
                return 2
            # This terminal is the only one delivering to its user: messages a killed run had
            # claimed but not finished are shown now, not after their lease runs out.
            await uow.outbox.release(adapter.name, adapter.sender.address.user_id)
            if language is not None and member.id is not None and member.language != language:
                await uow.members.set_language(member.id, language)
            await uow.commit()
        deliverer = Deliverer(
            app.uow,
            {adapter.name: adapter},
            app.clock,
            settings.outbox,
            address=adapter.sender.address.user_id,
        )
        app.outbox_changed.connect(deliverer.wake)
        app.bot.send_replies_with(deliverer)
        worker = asyncio.create_task(deliverer.run())

        async def sink(event: InboundEvent) -> None:
            await app.bot.handle(event)
            await deliverer.deliver_due()

        if adapter.interactive:
            print(f"concernbot — {user} ({role.value}). /help lists the commands; end with Ctrl-D.")
        await deliverer.deliver_due()
        await adapter.start(sink)
        await adapter.finished.wait()
        await deliverer.deliver_due()
        deliverer.stop()
        await worker
        return 0
    finally:
        await app.close()
