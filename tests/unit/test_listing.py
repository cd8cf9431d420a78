"""/list's rows (age, next deadline, assignee, waiting) and its filters, English and Dutch."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.domain.model import Status
from bot.domain.network import Network, Organisation
from bot.i18n import translator
from bot.usecases.list_filters import Filters, parse_filters
from bot.usecases.listing import age, kept, row
from tests.unit.test_model import NOW, concern

EN, NL = translator("en"), translator("nl")
ZONE = "Europe/Amsterdam"
SCHOOL = Organisation("school-noord", "School Noord")
YOUTH = Organisation("jongerenwerk", "Jongerenwerk Noord")
NETWORK = Network(id="demo", name="Demo", organisations=(SCHOOL, YOUTH))
ME, OTHER = 7, 8


def test_a_row_shows_reference_age_next_deadline_assignee_and_waiting() -> None:
    shared = dataclasses.replace(concern(), acute=True, organisation_id=SCHOOL.id)
    line = row(shared, NOW + timedelta(days=3), ZONE, EN, None, waiting=True)
    assert line.startswith("• K7Q-M3X · ACUTE · ")
    assert " · 3 days · " in line
    assert "acknowledge by 2 December, 10:00 — LATE" in line
    assert line.endswith(" · unassigned · waiting for the reporter")


def test_an_acknowledged_concern_shows_its_feedback_deadline_and_assignee() -> None:
    taken = concern(Status.ACKNOWLEDGED)
    line = row(taken, NOW + timedelta(hours=5), ZONE, EN, "Carla", waiting=False)
    assert " · 5 hours · feedback by 14 December, 10:00 · Carla" in line
    assert "LATE" not in line
    assert "waiting" not in line


def test_a_row_in_dutch() -> None:
    line = row(concern(), NOW + timedelta(days=3), ZONE, NL, None, waiting=True)
    assert "3 dagen · ontvangst bevestigen uiterlijk 2 december, 10:00 — TE LAAT" in line
    assert line.endswith("niet toegewezen · wacht op de melder")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", Filters()),
        ("mine", Filters(mine=True)),
        ("mine late", Filters(mine=True, late=True)),
        ("MIJN telaat", Filters(mine=True, late=True)),
        ("niet-toegewezen acuut", Filters(unassigned=True, acute=True)),
        ("niettoegewezen te-laat", Filters(unassigned=True, late=True)),
        ("unassigned acute", Filters(unassigned=True, acute=True)),
        ("org school-noord", Filters(organisation=SCHOOL)),
        ("org Jongerenwerk Noord late", Filters(organisation=YOUTH, late=True)),
        ("acute org JONGERENWERK", Filters(acute=True, organisation=YOUTH)),
    ],
)
def test_filters_are_read_in_english_and_dutch_and_combine(typed: str, expected: Filters) -> None:
    assert parse_filters(typed, NETWORK, EN) == expected


def test_an_unknown_word_lists_the_filters() -> None:
    said = parse_filters("mine overdue", NETWORK, EN)
    assert isinstance(said, str)
    assert said.startswith("I do not know the filter “overdue”.")
    for word in ("mine", "unassigned", "late", "acute", "org", "mijn", "telaat", "acuut"):
        assert word in said
    dutch = parse_filters("blabla", NETWORK, NL)
    assert isinstance(dutch, str)
    assert dutch.startswith("Het filter “blabla” ken ik niet.")


def test_an_unknown_or_missing_organisation_is_explained() -> None:
    unknown = parse_filters("org Politie", NETWORK, EN)
    assert isinstance(unknown, str)
    assert "no organisation “Politie”" in unknown
    assert "School Noord (school-noord)" in unknown
    missing = parse_filters("late org", NETWORK, EN)
    assert isinstance(missing, str)
    assert missing.startswith("Name the organisation after org")


def test_each_filter_keeps_only_matching_concerns() -> None:
    mine = dataclasses.replace(concern(Status.ACKNOWLEDGED), assignee_id=ME)
    theirs = dataclasses.replace(concern(Status.ACKNOWLEDGED), assignee_id=OTHER)
    nobody = dataclasses.replace(concern(), acute=True, organisation_id=SCHOOL.id)
    later = NOW + timedelta(days=3)  # the unacknowledged one is late, the others are not
    every = [mine, theirs, nobody]

    def shown(filters: Filters) -> list[object]:
        return [c for c in every if kept(c, filters, ME, later)]

    assert shown(Filters()) == every
    assert shown(Filters(mine=True)) == [mine]
    assert shown(Filters(unassigned=True)) == [nobody]
    assert shown(Filters(late=True)) == [nobody]
    assert shown(Filters(acute=True)) == [nobody]
    assert shown(Filters(organisation=SCHOOL)) == [nobody]
    assert shown(Filters(mine=True, late=True)) == []


def test_a_concern_shared_minutes_ago_is_not_zero_hours_old() -> None:
    shared = concern()
    said = age(shared, shared.created_at + timedelta(minutes=12), translator("nl"))
    assert said == "12 minuten"
