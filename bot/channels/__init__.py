"""The core's contract with every channel: events in, replies out."""
