"""A loopback chat channel, plugged in from outside ``bot/``: the proof that one package and
one registry entry make a channel (``tests/test_architecture.py``)."""
