"""The packaging metadata: what ``pip install -e .`` reads, without warnings of our own."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _project() -> dict[str, object]:
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)


def test_the_license_is_an_spdx_string_that_setuptools_reads_without_a_deprecation() -> None:
    data = _project()
    project = data["project"]
    assert isinstance(project, dict)
    assert project["license"] == "EUPL-1.2"
    build = data["build-system"]
    assert isinstance(build, dict)
    # SPDX strings in project.license need setuptools 77 or newer.
    assert "setuptools>=77" in build["requires"]


def test_the_editable_install_is_a_plain_path_entry_not_an_import_hook_that_warns() -> None:
    tool = _project()["tool"]
    assert isinstance(tool, dict)
    assert tool["setuptools"]["package-dir"] == {"": "."}
