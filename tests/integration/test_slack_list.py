"""Slack's list (``/concern list …``) shows the same rows as /list and takes the same filters,
through the strict Slack fake."""

from __future__ import annotations

from tests.integration.test_slack import (
    CARLA,
    World,
    before_start,
    config,
    labels,
    shared,
    world,
)

__all__ = ["before_start", "config", "shared", "world"]  # the fixtures, used below by name


async def test_slack_lists_rows_with_age_deadline_assignee_and_takes_filters(
    shared: tuple[World, str],
) -> None:
    world, first = shared
    second = await world.share()
    [alert_first, _] = world.alerts()
    await world.press(CARLA, alert_first, "Assign to me")
    before = len(world.ephemerals(CARLA))
    world.clock.advance(days=6)  # the unacknowledged concerns are now late

    for text in ("list", "list mine", "list niet-toegewezen late", "list mine overdue"):
        answer = await world.command(CARLA, text)
        assert (answer.status, answer.text) == (200, "")

    everything, mine, unassigned, unknown = world.ephemerals(CARLA)[before:]
    assert everything["text"].startswith("Open concerns (overdue first):")
    rows = everything["text"].splitlines()[1:]
    assert len(rows) == 2
    for line in rows:
        assert " · 6 days · acknowledge by " in line
        assert "— LATE" in line
    assert any(line.startswith(f"• {first} ") and "· carla" in line for line in rows), rows
    assert any(line.startswith(f"• {second} ") and "unassigned" in line for line in rows), rows
    assert labels(everything) == [first, second]
    assert mine["text"].startswith("Open concerns matching mine (overdue first):")
    assert labels(mine) == [first]
    assert labels(unassigned) == [second]
    assert unknown["text"].startswith("I do not know the filter “overdue”.")
