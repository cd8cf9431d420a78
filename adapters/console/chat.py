"""The terminal chat: one message per line in, replies printed with numbered choices."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.channels.events import Address, ChoiceMade, InboundEvent, Sender, parse_text
from bot.channels.protocol import Capability, Route, Sink
from bot.channels.replies import Outgoing, Reply, numbered
from bot.domain.numbers import small_number
from bot.i18n import N_, translator

CHANNEL = "console"
TEXT_CONTROLS = frozenset({"done", "skip"})
"""The choice ids of a text step's own buttons (Done, Skip): there a typed number is text."""
HELD_BACK = N_(
    "(You are in the middle of a question above: the numbers you type answer it. Once it is "
    "finished or stopped with /cancel, type one of these options by its name to use it.)"
)


def render(reply: Reply, numbers: bool = True) -> str:
    """The reply as terminal text: the message, then ``  1) Label`` lines, each choice by its
    fixed number (while a text is being written, or ``numbers`` off, ``  [Label]``: there a
    number is not taken for a choice, so none is shown to type)."""
    lines = [reply.text]
    if _writing(reply) or not numbers:
        lines += [f"  [{choice.label}]" for choice in reply.choices]
    else:
        lines += [f"  {number}) {choice.label}" for number, choice in numbered(reply.choices)]
    return "\n".join(lines)


def _writing(reply: Reply) -> bool:
    return bool(reply.choices) and all(choice.id in TEXT_CONTROLS for choice in reply.choices)


def to_event(line: str, sender: Sender, last: Reply | None, numbers: bool = True) -> InboundEvent:
    """Translate a typed line: a number (unless ``numbers`` is off) or exact label picks from
    the ``last`` choices; while a text is being written (only Done or Skip offered), a number
    is part of the text."""
    stripped = line.strip()
    if last is not None and last.choices:
        number = small_number(stripped)
        if number is not None and numbers and not _writing(last):
            for shown, choice in numbered(last.choices):
                if shown == number:
                    return ChoiceMade(sender, choice.id, last.nonce)
        for choice in last.choices:
            if stripped and stripped.casefold() == choice.label.casefold():
                return ChoiceMade(sender, choice.id, last.nonce)
    return parse_text(sender, line.rstrip("\n"))


def _tolerant(stream: TextIO) -> TextIO:
    """Undecodable input and unprintable output become '?'-like marks, not a traceback."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
    return stream


class ConsoleAdapter:
    """Reads stdin on a daemon thread and prints replies for one local user.

    While a dialog step is open (a reply with a nonce, until one says the dialog ended) typed
    numbers and labels answer that step only; the choices of a message that arrives meanwhile
    (an alert) are shown without numbers, and can be picked by name once the dialog is over.
    """

    name = CHANNEL
    # The terminal chat runs on the operator's own machine, in an OS account they logged in
    # to: that login is the strong one, so details open without a step-up code here.
    capabilities: frozenset[Capability] = frozenset({Capability.OWN_LOGIN})

    def __init__(
        self,
        user: str,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        language: str | None = None,
        files: Path = Path("var/exports"),
    ) -> None:
        self.sender = Sender(Address(CHANNEL, user), display_name=user, language=language)
        self._in = _tolerant(stdin or sys.stdin)
        self._out = _tolerant(stdout or sys.stdout)
        self._step: Reply | None = None
        self._menu: Reply | None = None
        self._menu_numbered = True
        self._files = files
        self._task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()

    @property
    def interactive(self) -> bool:
        """True when a person types at a terminal (then a prompt is shown)."""
        return self._in.isatty()

    def routes(self) -> tuple[Route, ...]:
        """A terminal serves no HTTP endpoint."""
        return ()

    def health_warnings(self) -> list[str]:
        """Nothing to fix in a terminal."""
        return []

    async def start(self, sink: Sink) -> None:
        """Begin reading lines; each is handled (and what is due printed) before the next."""
        self._task = asyncio.create_task(self._read(sink))

    async def send(self, reply: Outgoing) -> None:
        """Print a reply; its choices become the ones numbers refer to."""
        if not isinstance(reply, Reply):
            return  # a terminal cannot take back what it printed
        if reply.nonce is not None:
            self._step = reply
        elif reply.ends_dialog:
            self._step = None
        numbers = True
        if reply.choices and reply.nonce is None:
            numbers = self._step is None
            self._menu, self._menu_numbered = reply, numbers
        text = render(reply, numbers)
        if not numbers:
            text += "\n" + translator(self.sender.language)(HELD_BACK)
        if reply.attachment is not None:
            saved = self._save(reply.attachment.name or "export.json", reply.attachment.data)
            text += f"\n  [{saved}]"
        self._out.write("\n" + text + "\n")
        self._out.flush()

    def _event(self, line: str) -> InboundEvent:
        """A typed line, for the open step if there is one, else for the last menu shown."""
        if self._step is not None:
            return to_event(line, self.sender, self._step)
        return to_event(line, self.sender, self._menu, self._menu_numbered)

    def _save(self, name: str, data: bytes) -> Path:
        """Keep a file sent to this user where only they can read it (its bytes as sent)."""
        self._files.mkdir(parents=True, exist_ok=True)
        path = self._files / (Path(name).name or "file")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: made private
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path

    async def stop(self) -> None:
        """Stop reading."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.finished.set()

    async def _read(self, sink: Sink) -> None:
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def pump() -> None:
            try:
                for line in iter(self._in.readline, ""):
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError):
                pass  # unreadable input (a closed terminal): treated as its end
            finally:
                loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=pump, name="console-stdin", daemon=True).start()
        try:
            await sink.settle()  # what is due prints before the first prompt
            while True:
                if self.interactive:
                    self._out.write("> ")
                    self._out.flush()
                line = await lines.get()
                if line is None:
                    break
                if not line.strip() and self.interactive:
                    continue
                await sink.handle(self._event(line))
                await sink.settle()
        finally:
            self.finished.set()
