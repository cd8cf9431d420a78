"""The share-a-concern conversation as named steps: the one place that knows their order and the
answers a test gives, so that a new step is added here and nowhere else.

Lines are what ``Chat.script`` and the channel tests send: ``#id`` presses the option (or the
button) ``id``; anything else is typed text.
"""

from __future__ import annotations

from dataclasses import dataclass

FACTS = "CANARY-FACT-7f3a: a pupil praised an attack abroad in class."
INTERPRETATION = "He may be testing limits."


@dataclass(frozen=True)
class SharePath:
    """The steps of one share conversation, each with the lines that answer it."""

    steps: tuple[tuple[str, tuple[str, ...]], ...]

    def lines(self) -> tuple[str, ...]:
        """Every line, from ``/new`` to the confirmation."""
        return tuple(line for _, answer in self.steps for line in answer)

    def until(self, step: str) -> tuple[str, ...]:
        """The lines up to and including the answer to ``step``."""
        return self._cut(step, after=True)[0]

    def before(self, step: str) -> tuple[str, ...]:
        """The lines that lead to ``step``, without answering it."""
        return self._cut(step, after=False)[0]

    def after(self, step: str) -> tuple[str, ...]:
        """The lines that follow the answer to ``step``, to the end."""
        return self._cut(step, after=True)[1]

    def starting_at(self, step: str) -> tuple[str, ...]:
        """The lines from the answer to ``step`` on, to the end."""
        return self._cut(step, after=False)[1]

    def span(self, first: str, last: str) -> tuple[str, ...]:
        """The lines that answer the steps from ``first`` to ``last``, both included."""
        return self.until(last)[len(self.before(first)) :]

    def answer(self, step: str) -> tuple[str, ...]:
        """The lines that answer ``step``."""
        return dict(self.steps)[step]

    def _cut(self, step: str, after: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        names = [name for name, _ in self.steps]
        if step not in names:
            raise KeyError(f"the share path has no step {step!r} (it has {', '.join(names)})")
        at = names.index(step) + (1 if after else 0)
        head, tail = self.steps[:at], self.steps[at:]
        return SharePath(head).lines(), SharePath(tail).lines()


def share_path(
    *,
    facts: str = FACTS,
    interpretation: str = INTERPRETATION,
    counter_signals: str | None = None,
    acute: bool = False,
    contact: bool = True,
    subject: str = "person",
    setting: str = "school",
    source: str = "own_observation",
    sources_detail: str | None = None,
) -> SharePath:
    """A complete share conversation; the keywords change one answer each."""
    steps: list[tuple[str, tuple[str, ...]]] = [
        ("start", ("/new",)),
        ("safety", ("#yes" if acute else "#no",)),
        ("privacy", ("#continue",)),
        ("facts", (facts, "#done")),
        ("source", (f"#{source}",)),
        *([("sources_detail", (sources_detail or "#skip",))] if source == "several" else []),
        ("interpretation", (interpretation,)),
        ("counter_signals", (counter_signals or "#skip",)),
        ("subject", (f"#{subject}",)),
        ("age_band", ("#16_17",)),
        ("setting", (f"#{setting}",)),
        ("frequency", ("#several",)),
        ("actions_taken", ("#done",)),  # nothing done yet: two shares stay within a burst
        ("informed", ("#not_yet",)),
    ]
    if not acute:
        # An acute concern is shared, reachable, and not asked for its urgency.
        steps += [
            ("urgency", ("#week",)),
            ("contact", ("#yes" if contact else "#no",)),
        ]
    steps += [("identity", ("#pseudonym",)), ("summary", ("#confirm",))]
    return SharePath(tuple(steps))


QUESTION = "CANARY-QUESTION-4d1e: is this worth a case meeting, or do I wait and watch?"
SITUATION = "A pupil praised an attack abroad in class, twice this week."


def advice_path(
    *,
    start: str = "/advice",
    question: str = QUESTION,
    situation: str = SITUATION,
    age_band: str = "16_17",
    setting: str = "school",
) -> SharePath:
    """A complete advice consult, begun with ``/advice`` or (``start="/new"``) from the card."""
    card = "#continue" if start == "/advice" else "#advice"
    steps: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("start", (start,)),
        ("safety", ("#no",)),
        ("privacy", (card,)),
        ("question", (question,)),
        ("situation", (situation,)),
        ("age_band", (f"#{age_band}",)),
        ("setting", (f"#{setting}",)),
        ("summary", ("#send",)),
    )
    return SharePath(steps)
