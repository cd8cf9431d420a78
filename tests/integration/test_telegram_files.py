"""Files through the outbox to Telegram: a PDF as a document, a PNG as a photo, bytes
unchanged (sealed in the outbox on SQLite and PostgreSQL alike), and the Bot API's upload
limits held by the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app.composition import App
from bot.channels.parts import Attachment
from bot.channels.replies import Reply
from bot.testing import FakeClock
from tests.fakes import telegram_rules as rules
from tests.fakes.files import PDF_BYTES, png
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_outbox_parts import CHAT, TO, adapter_for, deliverer_for, queue


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fresh fake Bot API."""
    api = FakeTelegram()
    await api.start()
    yield api
    await api.stop()


async def deliver(app: App, fake: FakeTelegram, reply: Reply) -> None:
    """Queue ``reply`` and run one delivery pass."""
    telegram = await adapter_for(app, fake)
    try:
        await queue(app, reply)
        await deliverer_for(app, telegram).deliver_due()
    finally:
        await telegram.application.shutdown()


async def test_a_pdf_goes_as_a_document_in_a_multipart_upload_byte_for_byte(
    app: App, fake: FakeTelegram, clock: FakeClock
) -> None:
    sheet = Attachment("casus-K7Q-M3X.pdf", PDF_BYTES, "application/pdf")

    await deliver(app, fake, Reply(TO, "The case sheet.", attachment=sheet))

    (upload,) = fake.files
    assert upload["method"] == "sendDocument"
    assert upload["chat_id"] == CHAT
    assert upload["filename"] == "casus-K7Q-M3X.pdf"
    assert upload["content"] == PDF_BYTES
    (call,) = [c for c in fake.calls if c.method == "sendDocument"]
    assert call.content_type == "multipart/form-data"
    async with app.uow() as uow:
        assert await uow.outbox.pending_count() == 0
        assert await uow.outbox.dead_count() == 0


async def test_a_png_goes_as_a_photo(app: App, fake: FakeTelegram, clock: FakeClock) -> None:
    chart = Attachment("trend.png", png(40, 30), "image/png")

    await deliver(app, fake, Reply(TO, "The trend.", attachment=chart))

    (upload,) = fake.files
    assert upload["method"] == "sendPhoto"
    assert upload["content"] == chart.data
    assert fake.called("sendDocument") == []


async def test_a_photo_telegram_would_refuse_is_given_up_not_retried_forever(
    app: App, fake: FakeTelegram, clock: FakeClock
) -> None:
    too_wide = Attachment("wide.png", png(9000, 1001), "image/png")

    await deliver(app, fake, Reply(TO, "Too wide.", attachment=too_wide))

    assert fake.files == []
    async with app.uow() as uow:
        assert await uow.outbox.dead_count() == 1


def upload(content: bytes, filename: str = "f.pdf", **params: object) -> dict[str, object]:
    """sendDocument/sendPhoto parameters as the fake reads a multipart body."""
    return {"chat_id": CHAT, "file": {"filename": filename, "content": content}, **params}


def refusal(field: str, params: dict[str, object], kind: str = "multipart/form-data") -> object:
    """What the fake answers an upload of ``field`` with these parameters."""
    moved = {field if k == "file" else k: v for k, v in params.items()}
    found = rules.upload_refusal(field, moved, kind)
    return None if found is None else found[1]


def test_the_fake_holds_the_documented_upload_limits() -> None:
    assert refusal("document", upload(PDF_BYTES)) is None
    assert refusal("document", upload(b"x" * (50 * 1024 * 1024 + 1))) == rules.TOO_LARGE
    assert refusal("document", upload(PDF_BYTES, filename="")) == rules.NAMELESS
    assert refusal("document", upload(PDF_BYTES), "application/json") == rules.NO_FILE
    assert refusal("document", {"chat_id": CHAT, "document": "some-file-id"}) == rules.NO_FILE
    assert refusal("document", upload(PDF_BYTES, caption="é" * 1024)) is None
    assert refusal("document", upload(PDF_BYTES, caption="é" * 1025)) == rules.CAPTION_TOO_LONG
    assert refusal("photo", upload(png(5000, 5000), "a.png")) is None
    assert refusal("photo", upload(png(5000, 5001), "a.png")) == rules.BAD_DIMENSIONS
    assert refusal("photo", upload(png(2100, 100), "a.png")) == rules.BAD_DIMENSIONS
    assert refusal("photo", upload(PDF_BYTES, "a.png")) == rules.NOT_A_PICTURE
    big = png(10, 10) + b"\x00" * (10 * 1024 * 1024)
    assert refusal("photo", upload(big, "a.png")) is not None
