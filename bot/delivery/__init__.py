"""Delivery: the outbox worker and what a channel may answer when it sends."""
