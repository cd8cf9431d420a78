"""The terminal chat (python -m tests.matrix.chat) driven through its stdin, encrypted."""

from __future__ import annotations

import asyncio
import re
import stat
import sys
from pathlib import Path

from tests.matrix.chat import keycap
from tests.matrix.homeserver import Homeserver
from tests.matrix.nio_user import NioUser

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """The chat process: type a line, read until a line matches."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def type(self, line: str) -> None:
        """Type one line."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def expect(self, pattern: str) -> re.Match[str]:
        """The next printed line matching ``pattern`` (fails after 15 s with what was printed)."""
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(15):
                while True:
                    line = (await self.process.stdout.readline()).decode()
                    if not line:
                        raise AssertionError(f"the chat ended; it printed {self.lines}")
                    self.lines.append(line.rstrip("\n"))
                    if found := re.search(pattern, line):
                        return found
        except TimeoutError:
            raise AssertionError(f"no {pattern!r}; the chat printed {self.lines}") from None


def read_private(path: Path) -> bytes:
    """The bytes of a file only its owner may read (fails otherwise)."""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return path.read_bytes()


async def test_two_people_chat_encrypted_through_the_terminal(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    peer = await NioUser.create(homeserver, "peer", tmp_path / "peer")
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tests.matrix.chat", "--homeserver", homeserver.url],
        *["--synapse-dir", str(homeserver.directory), "--register", "typist"],
        *["--invite", peer.user_id, "--state", str(tmp_path / "chat")],
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    terminal = Terminal(process)
    try:
        room = (await terminal.expect(r" in (!\S+); waiting for")).group(1)
        await terminal.expect("joined; type a message")
        await terminal.type("hello from the terminal")
        hello = await peer.wait_text(room, "hello from the terminal")
        assert hello.encrypted
        await terminal.expect(r"^\[1\] me: hello from the terminal")
        answer = await peer.say(room, "hi typist")
        await terminal.expect(r"^\[2\] peer\d+: hi typist")
        await terminal.type(":react 2 3")
        await terminal.type(":reply 2 thanks")
        reply = await peer.wait_text(room, "thanks")
        assert reply.encrypted
        assert reply.relates_to == {"m.in_reply_to": {"event_id": answer}}
        reaction = await peer.wait_for(
            lambda: next((m for m in peer.messages(room) if m.type == "m.reaction"), None)
        )
        assert reaction.relates_to["key"] == keycap("3") == "3️⃣"
        await peer.send_file(room, b"the attachment", "note.txt", "text/plain")
        await terminal.expect(r"^\[4\] peer\d+: \[file note.txt\]")
        await terminal.type(":file 4")
        saved = Path((await terminal.expect(r"^saved (\S+)")).group(1))
        assert read_private(saved) == b"the attachment"
        await terminal.type(":quit")
        async with asyncio.timeout(15):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await peer.close()
