"""The console keeps a file sent to its user byte for byte, readable only by them."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from adapters.console.chat import ConsoleAdapter
from bot.channels.parts import Attachment
from bot.channels.replies import Reply
from tests.fakes.files import PDF_BYTES


async def test_a_pdf_is_saved_byte_for_byte_and_made_private_even_over_an_older_file(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter("fatima", io.StringIO(""), out, files=tmp_path / "exports")
    older = tmp_path / "exports" / "casesheet-K7Q-M3X.pdf"
    older.parent.mkdir()
    older.write_bytes(b"an older sheet")
    older.chmod(0o644)
    sheet = Attachment("casesheet-K7Q-M3X.pdf", PDF_BYTES, "application/pdf")

    await adapter.send(Reply(adapter.sender.address, "The case sheet.", attachment=sheet))

    assert older.read_bytes() == PDF_BYTES
    assert stat.S_IMODE(older.stat().st_mode) == 0o600
    assert f"[{older}]" in out.getvalue()
