"""A member's home view: a page of their own that a channel keeps (Slack's App Home tab), shown
in full each time it changes rather than posted as a message. Never free text of a concern."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.events import Address
from bot.channels.parts import Choice


@dataclass(frozen=True)
class HomeCard:
    """One concern on the page: short lines (no free text) and the actions on it."""

    reference: str
    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class HomeSection:
    """A part of the page under a heading, most urgent card first (``empty``: said when it
    has no cards)."""

    heading: str
    cards: tuple[HomeCard, ...] = ()
    empty: str = ""


@dataclass(frozen=True)
class HomeView:
    """The whole page for ``to``, in ``language``: a title, a line of introduction, sections;
    ``hidden`` counts the concerns left off already (the channel may leave off more);
    ``opened``: its member has just opened it, so it goes out at once rather than after the
    burst of changes it may be part of has settled."""

    to: Address
    language: str
    title: str
    intro: str
    sections: tuple[HomeSection, ...] = ()
    hidden: int = 0
    opened: bool = False

    def to_payload(self) -> dict[str, object]:
        """A JSON-serialisable form of everything but the address."""
        return {
            "op": "home",
            "language": self.language,
            "title": self.title,
            "intro": self.intro,
            "hidden": self.hidden,
            "sections": [
                {
                    "heading": s.heading,
                    "empty": s.empty,
                    "cards": [
                        [c.reference, c.text, [[o.id, o.label] for o in c.choices]] for c in s.cards
                    ],
                }
                for s in self.sections
            ],
        }

    @classmethod
    def from_payload(cls, to: Address, payload: dict[str, object]) -> HomeView:
        """Rebuild a view from ``to_payload`` output."""
        sections = payload.get("sections") or []
        assert isinstance(sections, list)
        hidden = payload.get("hidden") or 0
        assert isinstance(hidden, int)
        return cls(
            to=to,
            language=str(payload.get("language", "")),
            title=str(payload.get("title", "")),
            intro=str(payload.get("intro", "")),
            sections=tuple(
                HomeSection(
                    str(s.get("heading", "")),
                    tuple(
                        HomeCard(str(ref), str(text), tuple(Choice(str(i), str(n)) for i, n in cs))
                        for ref, text, cs in s.get("cards") or []
                    ),
                    str(s.get("empty", "")),
                )
                for s in sections
            ),
            hidden=hidden,
        )
