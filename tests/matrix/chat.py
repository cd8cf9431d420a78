"""A terminal chat with the bot over Matrix, end-to-end encrypted (a try-out, and a test tool).

    python -m tests.matrix.chat --homeserver URL --synapse-dir DIR --register NAME \\
        --invite @bot:localhost [--state DIR]
    python -m tests.matrix.chat --homeserver URL --user NAME --password PW --invite @bot:localhost

It makes an encrypted direct chat with the invitee (with ``--state``, the one of the last
run, on the same device), prints each message numbered (``[3] bot: …``) and sends each line
typed. Commands: ``:react N K`` (K a number 1-10 for its keycap, or any emoji),
``:reply N text``, ``:file N`` (saves message N's attachment, mode 0600, prints the path),
``:quit``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.matrix.homeserver import SERVER_NAME, Homeserver
from tests.matrix.nio_user import NioUser, Received

KEYCAPS = [f"{n}\ufe0f\u20e3" for n in range(1, 10)] + ["\U0001f51f"]


def keycap(key: str) -> str:
    """The reaction key for ``key``: "1".."10" become keycaps, anything else stays."""
    return KEYCAPS[int(key) - 1] if key.isdigit() and 1 <= int(key) <= 10 else key


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


class Chat:
    """The numbered transcript of one room and the commands typed about it."""

    def __init__(self, user: NioUser, room_id: str, files: Path) -> None:
        self.user, self.room_id, self.files = user, room_id, files
        self.numbers: dict[str, int] = {}
        self.shown: dict[str, Received] = {}

    def by_number(self, number: str) -> Received:
        """The message shown as ``[number]``."""
        wanted = int(number)
        for event_id, shown_as in self.numbers.items():
            if shown_as == wanted:
                return self.shown[event_id]
        raise LookupError(f"no message [{number}]")

    def fresh_lines(self) -> list[str]:
        """Lines for the messages new or changed since the last call."""
        lines = []
        for item in self.user.messages(self.room_id):
            if item.type == "m.reaction" or self.shown.get(item.event_id) == item:
                continue
            number = self.numbers.setdefault(item.event_id, len(self.numbers) + 1)
            self.shown[item.event_id] = item
            who = "me" if item.sender == self.user.user_id else item.sender[1:].split(":")[0]
            lines.append(f"[{number}] {who}: {describe(item)}")
        return lines

    async def show_forever(self) -> None:
        """Print what arrives, as it arrives."""
        while True:
            try:
                lines = await self.user.wait_for(self.fresh_lines, timeout=3600)
            except AssertionError:
                continue
            print("\n".join(lines), flush=True)

    async def command(self, line: str) -> bool:
        """Act on one typed line; False for ``:quit``."""
        verb, _, rest = line.partition(" ")
        if verb == ":quit":
            return False
        if verb == ":react":
            number, _, key = rest.partition(" ")
            await self.user.react(self.room_id, self.by_number(number).event_id, keycap(key))
        elif verb == ":reply":
            number, _, text = rest.partition(" ")
            await self.user.reply(self.room_id, self.by_number(number).event_id, text)
        elif verb == ":file":
            item = self.by_number(rest.strip())
            name = re.sub(r"[^A-Za-z0-9._-]", "_", item.body)[-80:] or "attachment"
            path = self.files / f"{self.numbers[item.event_id]}-{name}"
            _write_private(path, await self.user.download(item.content))
            print(f"saved {path}", flush=True)
        elif line.strip():
            await self.user.say(self.room_id, line)
        return True


def describe(item: Received) -> str:
    """How a message reads in the transcript."""
    if item.redacted:
        return "(removed)"
    if item.undecryptable:
        return "(not decrypted yet)"
    if item.content.get("msgtype") in {"m.file", "m.image", "m.audio", "m.video"}:
        return f"[{item.content['msgtype'][2:]} {item.body}] (:file to save)"
    return item.body.replace("\n", "\n    ")


async def _user(args: argparse.Namespace, state: Path) -> tuple[NioUser, dict[str, Any]]:
    saved_file = state / "state.json"
    if saved_file.exists():
        saved: dict[str, Any] = json.loads(saved_file.read_text())
        user = await NioUser.restore(
            args.homeserver, saved["user_id"], saved["device_id"], saved["token"], state / "nio"
        )
        return user, saved
    if args.register:
        if not args.synapse_dir:
            raise SystemExit("--register needs --synapse-dir (its homeserver.yaml)")
        server = Homeserver.attach(Path(args.synapse_dir), args.homeserver)
        user = await NioUser.create(server, args.register, state / "nio")
    else:
        mxid = args.user if args.user.startswith("@") else f"@{args.user}:{SERVER_NAME}"
        user = await NioUser.login(args.homeserver, mxid, args.password, state / "nio")
    return user, {"user_id": user.user_id, "device_id": user.device_id, "token": user.access_token}


async def main(args: argparse.Namespace) -> int:
    """Run the chat until ``:quit`` or the end of the input."""
    state = Path(args.state) if args.state else Path(tempfile.mkdtemp(prefix="matrix-chat-"))
    state.mkdir(parents=True, exist_ok=True)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a pipe, in tests
    user, saved = await _user(args, state)
    try:
        room_id = saved.get("room_id") or await user.create_encrypted_dm(args.invite)
        saved["room_id"] = room_id
        _write_private(state / "state.json", json.dumps(saved).encode())
        print(
            f"{user.user_id} ({user.device_id}) in {room_id}; waiting for {args.invite}", flush=True
        )
        await user.wait_member(room_id, args.invite, timeout=args.join_timeout)
        print(f"{args.invite} joined; type a message, or :react N K, :reply N text, :file N, :quit")
        chat = Chat(user, room_id, state)
        shower = asyncio.create_task(chat.show_forever())
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            try:
                if not await chat.command(line.rstrip("\n")):
                    break
            except (LookupError, ValueError) as error:
                print(f"? {error}", flush=True)
        shower.cancel()
        await asyncio.gather(shower, return_exceptions=True)
    finally:
        await user.close()
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.matrix.chat", description=__doc__)
    parser.add_argument("--homeserver", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--synapse-dir", help="the data directory with homeserver.yaml")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--register", metavar="NAME", help="make a new user NAME<number>")
    who.add_argument("--user", metavar="NAME", help="log in as this existing user")
    parser.add_argument("--password", help="the password for --user")
    parser.add_argument("--invite", required=True, metavar="MXID", help="@bot:localhost")
    parser.add_argument("--state", help="keep the login and room here and reuse them")
    parser.add_argument("--join-timeout", type=float, default=120.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
