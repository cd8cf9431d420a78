"""Settling the heap: what exists at start is left out of full collections, not leaked."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.app.heap import settle_heap


class Node:
    """A tracked object that can be part of a cycle and be referred to weakly."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def thawed() -> Iterator[None]:
    """The test process's heap is unfrozen again afterwards."""
    yield
    gc.unfreeze()


def in_generation_2(obj: object) -> bool:
    """Whether a full collection would walk ``obj``."""
    return any(o is obj for o in gc.get_objects(generation=2))


@pytest.mark.usefixtures("thawed")
def test_what_exists_at_start_is_left_out_of_full_collections() -> None:
    existing = [Node() for _ in range(1000)]
    gc.collect()
    assert in_generation_2(existing[0])
    frozen_before = gc.get_freeze_count()

    frozen = settle_heap()

    assert frozen >= frozen_before + len(existing)
    assert not in_generation_2(existing[0])


@pytest.mark.usefixtures("thawed")
def test_what_comes_later_is_still_collected_and_a_frozen_object_still_freed() -> None:
    early = Node()
    gone = weakref.ref(early)
    settle_heap()

    later = Node()
    later.other = Node()
    later.other.other = later  # a cycle: only the collector frees it
    cycle_gone = weakref.ref(later)
    del later
    gc.collect()
    assert cycle_gone() is None

    del early  # no cycle: its last reference going frees it, frozen or not
    assert gone() is None
