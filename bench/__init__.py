"""Benchmarks: how fast and how lean concernbot does its job, beside the floor and a peer."""
