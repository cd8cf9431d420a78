"""Outages per channel, as an operator needs to see them: one line when deliveries start
failing, a summary at most every ``report_seconds`` while they fail, one line when they
recover, with counts; every attempt counted in /metrics. Never content, never a recipient.

A failure of the platform (rate limited, server error, network) opens an outage; a failure
that concerns one recipient (blocked the bot, a message refused, a Slack channel without
the bot) is counted but opens none: another recipient's delivery would end it at once."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot import metrics
from bot.delivery.retry_policy import Verdict

log = logging.getLogger(__name__)

OUTAGE_KINDS = frozenset({"rate_limited", "server_error", "network", "failed", "unexpected"})
REPORT_SECONDS = 60.0


@dataclass
class Outage:
    """One run of failures on a channel, from its first failure to the next delivery."""

    since: datetime
    failures: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    waiting: set[int] = field(default_factory=set)
    dead: int = 0
    reported: bool = False  # a line told of it: its end is told too


@dataclass
class _Channel:
    outage: Outage | None = None
    last_line: datetime | None = None
    unreported: int = 0  # outages begun and ended between two lines (a flapping channel)


class DeliveryHealth:
    """Follows deliveries per channel; see the module docstring for what it logs."""

    def __init__(self, report_seconds: float = REPORT_SECONDS) -> None:
        self.report_seconds = report_seconds
        self._channels: dict[str, _Channel] = {}

    def watch(self, channel: str) -> None:
        """Show ``channel`` in /metrics as not failing before anything was sent on it."""
        if channel not in self._channels:
            self._channels[channel] = _Channel()
            self._gauges(channel, None)

    def outage(self, channel: str) -> Outage | None:
        """The channel's current outage, if deliveries on it are failing."""
        found = self._channels.get(channel)
        return found.outage if found is not None else None

    def failed(self, channel: str, item_id: int, verdict: Verdict, now: datetime) -> None:
        """A delivery of outbox message ``item_id`` failed; ``verdict`` says what follows."""
        metrics.FAILURES.inc(channel, verdict.kind)
        retry = verdict.outcome == "retry"
        if retry:
            metrics.RETRIES.inc(channel)
        self.watch(channel)
        state = self._channels[channel]
        outage = state.outage
        if outage is None and verdict.kind not in OUTAGE_KINDS:
            log.debug("%s: delivery failed (%s %s)", channel, verdict.kind, verdict.detail)
            return
        begun = outage is None
        if outage is None:
            outage = state.outage = Outage(now)
        outage.failures[verdict.kind] += 1
        outage.retries += retry
        if retry:
            outage.waiting.add(item_id)
        else:
            outage.waiting.discard(item_id)
            outage.dead += 1
        if self._may_report(state, now):
            outage.reported = True
            if begun:
                log.warning(
                    "%s: delivery failing (%s %s); retrying in %s; %s waiting%s",
                    channel,
                    verdict.kind,
                    verdict.detail,
                    span(verdict.delay),
                    messages(len(outage.waiting)),
                    self._flaps(state),
                )
            else:
                log.warning(
                    "%s: delivery still failing after %s: %s, %d retries, %s waiting, "
                    "next retry in %s%s",
                    channel,
                    span((now - outage.since).total_seconds()),
                    _failures(outage),
                    outage.retries,
                    messages(len(outage.waiting)),
                    span(verdict.delay),
                    self._flaps(state),
                )
        log.debug(
            "%s: %s (%s %s) for message %d; %d failures, %d waiting",
            channel,
            f"retry in {span(verdict.delay)}" if retry else "given up",
            verdict.kind,
            verdict.detail,
            item_id,
            sum(outage.failures.values()),
            len(outage.waiting),
        )
        self._gauges(channel, outage)

    def delivered(self, channel: str, item_id: int, now: datetime) -> None:
        """Outbox message ``item_id`` was delivered: an outage on ``channel`` ends."""
        self.watch(channel)
        state = self._channels[channel]
        outage = state.outage
        if outage is None:
            return
        state.outage = None
        metrics.RECOVERIES.inc(channel)
        self._gauges(channel, None)
        took = span((now - outage.since).total_seconds())
        if not outage.reported:
            state.unreported += 1
            log.debug("%s: delivery recovered after %s (unreported)", channel, took)
            return
        state.last_line = now
        log.warning(
            "%s: delivery recovered after %s: %s, %s delayed%s",
            channel,
            took,
            _failures(outage),
            messages(len(outage.waiting)),
            f", {messages(outage.dead, 'dead letter')}" if outage.dead else "",
        )

    def _may_report(self, state: _Channel, now: datetime) -> bool:
        last = state.last_line
        if last is not None and (now - last).total_seconds() < self.report_seconds:
            return False
        state.last_line = now
        return True

    def _flaps(self, state: _Channel) -> str:
        count, state.unreported = state.unreported, 0
        return f" (and {count} short outages since the last report)" if count else ""

    def _gauges(self, channel: str, outage: Outage | None) -> None:
        metrics.OUTAGE.set(0.0 if outage is None else 1.0, channel)
        metrics.FAILING_SINCE.set(0.0 if outage is None else outage.since.timestamp(), channel)
        metrics.WAITING.set(0.0 if outage is None else float(len(outage.waiting)), channel)


def _failures(outage: Outage) -> str:
    total = sum(outage.failures.values())
    parts = ", ".join(f"{kind} {n}" for kind, n in sorted(outage.failures.items()))
    return f"{messages(total, 'failure')} ({parts})"


def messages(count: int, noun: str = "message") -> str:
    """``1 message``, ``3 messages``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def span(seconds: float) -> str:
    """A duration for a log line: ``0.4 s``, ``12 s``, ``3 min 12 s``, ``2 h 5 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
