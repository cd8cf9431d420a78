"""Use cases: plain async functions over a turn (the actor, the unit of work, the clock)."""
