"""What /healthz and /metrics say about a running service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app.system import App


async def health_report(app: App) -> dict[str, Any]:
    """Ready (started, not stopping), storage (what it waits on), the outbox backlog, dead
    letters, leadership, and what an operator must fix."""
    storage = await app.storage.report()
    leadership, scheduler = app.leadership, app.scheduler
    report: dict[str, Any] = {
        "ready": app.ready,
        "scheduler_leader": leadership.leading and scheduler.running,
    } | storage
    dead = int(report.get("dead_letters", 0))
    noun = "message" if dead == 1 else "messages"
    warnings = [f"{dead} {noun} could not be delivered (dead letters)"] if dead else []
    waiting = storage["storage"].get("waiting")
    if waiting is not None and not storage["ok"]:
        seconds = storage["storage"]["for_seconds"]
        warnings.append(f"storage: waiting {seconds} s for the {waiting}")
    for runtime in app.runtimes.values():
        # What a channel says an operator must fix (an alert channel that lacks the bot).
        warnings += runtime.health_warnings()
    if warnings:
        report["warnings"] = warnings
    return report


def gauges(report: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """The gauges of the Prometheus page, from a health report."""
    return {
        "concernbot_outbox_backlog": (
            "Messages waiting for delivery.",
            float(report.get("outbox_backlog", 0)),
        ),
        "concernbot_dead_letters": (
            "Messages that could not be delivered.",
            float(report.get("dead_letters", 0)),
        ),
        "concernbot_scheduler_leader": (
            "1 when this instance runs the scheduled jobs.",
            1.0 if report.get("scheduler_leader") else 0.0,
        ),
    }
