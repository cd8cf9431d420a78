"""What /healthz and /metrics say about a running service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.service import Service


async def health_report(service: Service) -> dict[str, Any]:
    """Ready (started, not stopping), storage (what it waits on), the outbox backlog, dead
    letters, leadership, and what an operator must fix."""
    if service.app is None:
        return {"ok": False, "ready": False}
    storage = await service.app.storage.report()
    leadership, scheduler = service.leadership, service.scheduler
    report: dict[str, Any] = {
        "ready": service.ready,
        "scheduler_leader": leadership is not None
        and leadership.leading
        and scheduler is not None
        and scheduler.running,
    } | storage
    dead = int(report.get("dead_letters", 0))
    warnings = [f"{dead} message(s) could not be delivered (dead letters)"] if dead else []
    waiting = storage["storage"].get("waiting")
    if waiting is not None and not storage["ok"]:
        seconds = storage["storage"]["for_seconds"]
        warnings.append(f"storage: waiting {seconds} s for the {waiting}")
    for adapter in (service.telegram, service.slack):
        # What a channel says an operator must fix (an alert channel that lacks the bot).
        warnings += getattr(adapter, "health_warnings", list)()
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
