"""Declarative conversation definitions: steps as data, small step functions."""
