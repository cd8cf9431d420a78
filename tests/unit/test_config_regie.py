"""``[[municipalities]]`` and a network's ``areas``: read from the file, and a bad entry refused
with a message that names the entry, what is wrong and what to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import ConfigError, Settings, load_settings

NETWORKS = """
[[networks]]
id = "demo"
name = "Demo"
areas = ["Centrum", "Noord"]
[[networks.organisations]]
id = "org"
name = "Org"

[[networks]]
id = "west"
name = "West"
[[networks.organisations]]
id = "wes"
name = "Wes"
"""


def load(tmp_path: Path, extra: str) -> Settings:
    path = tmp_path / "config.toml"
    top = extra.startswith("municipalities =")  # a plain key must come before any table
    path.write_text(extra + NETWORKS if top else NETWORKS + extra, encoding="utf-8")
    return load_settings(path, {})


def test_municipalities_and_areas_are_read(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[[municipalities]]\nid = "ds"\nname = "Gemeente Demostad"\nnetworks = ["demo", "west"]\n',
    )
    municipality = settings.municipality_of("west")
    assert municipality is not None
    assert municipality.name == "Gemeente Demostad"
    assert settings.network("demo").areas == ("Centrum", "Noord")
    assert settings.network("west").areas == ()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '[[municipalities]]\nid = "ds"\nname = "D"\nnetworks = ["nope"]\n',
            "'nope', which is no configured network",
        ),
        ('[[municipalities]]\nid = "ds"\nname = "D"\n', "entry 1: lacks networks"),
        (
            '[[municipalities]]\nid = "ds"\nname = "D"\nnetworks = []\n',
            "non-empty list of network ids",
        ),
        (
            '[[municipalities]]\nid = "ds"\nname = "D"\nnetworks = ["demo"]\nwho = 1\n',
            "unknown keys: who",
        ),
        (
            '[[municipalities]]\nid = "a"\nname = "A"\nnetworks = ["demo"]\n'
            '[[municipalities]]\nid = "b"\nname = "B"\nnetworks = ["demo"]\n',
            "which 'a' directs already",
        ),
        ('municipalities = "demo"\n', "must be an array of tables"),
    ],
)
def test_a_bad_municipality_entry_is_refused_clearly(
    tmp_path: Path, entry: str, message: str
) -> None:
    with pytest.raises(ConfigError, match="municipalities") as caught:
        load(tmp_path, entry)
    assert message in str(caught.value)


def test_bad_areas_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        NETWORKS.replace('["Centrum", "Noord"]', '["Noord", "Noord"]'), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="areas must be distinct"):
        load_settings(path, {})
    path.write_text(NETWORKS.replace('["Centrum", "Noord"]', '"Noord"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="areas must be a list"):
        load_settings(path, {})
