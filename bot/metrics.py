"""A small Prometheus registry: counters, gauges and histograms, in the text format."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

LatencyBuckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    pairs = ",".join(f'{n}="{v}"' for n, v in zip(names, values, strict=True))
    return "{" + pairs + "}"


class Counter:
    """A monotonically increasing count, optionally per label values."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self._values: dict[tuple[str, ...], float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, *values: str, amount: float = 1.0) -> None:
        """Add ``amount`` for these label values."""
        with self._lock:
            self._values[values] += amount

    def value(self, *values: str) -> float:
        """The current count for these label values."""
        return self._values.get(values, 0.0)

    def render(self) -> Iterable[str]:
        """Text-format lines."""
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} {self.kind}"
        for values, amount in sorted(self._values.items()):
            yield f"{self.name}{_labels(self.labels, values)} {amount}"


class Gauge(Counter):
    """A value that goes up and down (set per label values)."""

    kind = "gauge"

    def set(self, amount: float, *values: str) -> None:
        """Make the value for these label values ``amount``."""
        with self._lock:
            self._values[values] = amount


class Histogram:
    """Observations counted in cumulative buckets, with sum and count."""

    def __init__(
        self, name: str, help_text: str, buckets: tuple[float, ...] = LatencyBuckets
    ) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts = [0] * len(buckets)
        self._sum = 0.0
        self._count = 0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Record one observation."""
        with self._lock:
            self._sum += value
            self._count += 1
            for index, bound in enumerate(self.buckets):
                if value <= bound:
                    self._counts[index] += 1

    def render(self) -> Iterable[str]:
        """Text-format lines."""
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for bound, count in zip(self.buckets, self._counts, strict=True):
            yield f'{self.name}_bucket{{le="{bound}"}} {count}'
        yield f'{self.name}_bucket{{le="+Inf"}} {self._count}'
        yield f"{self.name}_sum {self._sum}"
        yield f"{self.name}_count {self._count}"


UPDATES = Counter("concernbot_updates_handled_total", "Inbound events handled.", ("channel",))
TURN_SECONDS = Histogram("concernbot_turn_seconds", "Time to handle one inbound event.")
DELIVERIES = Counter(
    "concernbot_deliveries_total", "Outbox delivery attempts by result.", ("channel", "result")
)
DELIVERY_SECONDS = Histogram(
    "concernbot_delivery_latency_seconds", "Time from enqueue to successful delivery."
)
FAILURES = Counter(
    "concernbot_delivery_failures_total",
    "Failed delivery attempts by failure class.",
    ("channel", "class"),
)
RETRIES = Counter(
    "concernbot_delivery_retries_total", "Deliveries scheduled to be tried again.", ("channel",)
)
RECOVERIES = Counter(
    "concernbot_delivery_recoveries_total",
    "Delivery outages that ended with a message delivered.",
    ("channel",),
)
OUTAGE = Gauge(
    "concernbot_delivery_outage", "1 while deliveries on the channel are failing.", ("channel",)
)
FAILING_SINCE = Gauge(
    "concernbot_delivery_failing_since_seconds",
    "Unix time of the current outage's first failure (0: none).",
    ("channel",),
)
WAITING = Gauge(
    "concernbot_delivery_messages_waiting",
    "Messages that failed in the current outage and wait to be tried again.",
    ("channel",),
)
REGISTRY = (
    UPDATES,
    TURN_SECONDS,
    DELIVERIES,
    DELIVERY_SECONDS,
    FAILURES,
    RETRIES,
    RECOVERIES,
    OUTAGE,
    FAILING_SINCE,
    WAITING,
)


def render(gauges: dict[str, tuple[str, float]]) -> str:
    """The whole registry plus ``gauges`` (name -> (help, value)) in the text format."""
    lines: list[str] = []
    for metric in REGISTRY:
        lines += metric.render()
    for name, (help_text, value) in sorted(gauges.items()):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    return "\n".join(lines) + "\n"
