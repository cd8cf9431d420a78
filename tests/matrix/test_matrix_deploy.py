"""The compose file runs the Matrix channel in one instance that keeps its device."""

from __future__ import annotations

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def service(name: str) -> str:
    """The lines of one compose service (``bot``, ``bot-matrix``)."""
    found = re.search(
        rf"^  {re.escape(name)}:\n((?:    .*\n|\s*\n)*)",
        (DEPLOY / "compose.yaml").read_text(),
        re.MULTILINE,
    )
    assert found is not None, name
    return found.group(1)


def test_only_one_instance_gets_the_matrix_secrets_and_it_keeps_its_device() -> None:
    matrix = service("bot-matrix")
    assert re.search(r"^      replicas: 1$", matrix, re.MULTILINE)
    assert "- matrix.env" in matrix
    # The default credentials_file and crypto store (config.example.toml) live in var/matrix.
    assert "- matrix-data:/app/var/matrix" in matrix
    assert "mkdir -p /app/var/matrix" in (DEPLOY / "Containerfile").read_text()

    scaled = service("bot")
    assert "matrix.env" not in scaled
    assert "MATRIX_" not in scaled
