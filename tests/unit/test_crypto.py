"""Column encryption: AES-GCM values bound to their column, key rings, key files."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from bot.storage.crypto import (
    Cipher,
    KeyRing,
    KeyringError,
    create_key_file,
    load_key_ring,
    new_key_line,
)

KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
CONTEXT = "concerns.facts"
SECRET = "CANARY-CRYPTO-5e1d: a pupil shared a propaganda video."


def cipher(spec: str) -> Cipher:
    """A cipher over the keys in ``spec``."""
    return Cipher(KeyRing.parse(spec))


def test_a_sealed_value_opens_to_the_original_text() -> None:
    c = cipher(f"a:{KEY_A}")
    assert c.open(c.seal(SECRET, CONTEXT), CONTEXT) == SECRET


def test_sealing_round_trips_empty_and_non_ascii_text() -> None:
    c = cipher(f"a:{KEY_A}")
    for text in ("", "één — ☃ 日本語 \n\t", "x" * 50_000):
        assert c.open(c.seal(text, CONTEXT), CONTEXT) == text


def test_a_sealed_value_does_not_contain_the_plain_text() -> None:
    sealed = cipher(f"a:{KEY_A}").seal(SECRET, CONTEXT)
    assert "CANARY" not in sealed
    assert SECRET not in sealed


def test_sealing_the_same_text_twice_gives_different_values() -> None:
    c = cipher(f"a:{KEY_A}")
    assert c.seal(SECRET, CONTEXT) != c.seal(SECRET, CONTEXT)


def test_a_sealed_value_carries_the_id_of_the_key_that_sealed_it() -> None:
    sealed = cipher(f"key2026:{KEY_A}").seal(SECRET, CONTEXT)
    assert sealed.startswith("v1$key2026$")
    assert Cipher.key_id_of(sealed) == "key2026"


def test_a_value_sealed_for_one_column_does_not_open_in_another() -> None:
    c = cipher(f"a:{KEY_A}")
    sealed = c.seal(SECRET, "concerns.facts")
    with pytest.raises(KeyringError, match=r"does not open a value in concerns\.interpretation"):
        c.open(sealed, "concerns.interpretation")


def test_a_tampered_value_fails_to_open() -> None:
    c = cipher(f"a:{KEY_A}")
    prefix, kid, body = c.seal(SECRET, CONTEXT).split("$")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[20] ^= 0x01
    tampered = f"{prefix}${kid}${base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(KeyringError):
        c.open(tampered, CONTEXT)


@pytest.mark.parametrize("kept", [0, 1, 4, 16, 36, 39])
def test_a_truncated_value_fails_to_open_with_a_keyring_error(kept: int) -> None:
    c = cipher(f"a:{KEY_A}")
    prefix, kid, body = c.seal("", CONTEXT).split("$")
    with pytest.raises(KeyringError, match=r"damaged|does not open"):
        c.open(f"{prefix}${kid}${body[:kept]}", CONTEXT)


def test_a_value_sealed_with_another_key_under_the_same_id_fails_to_open() -> None:
    sealed = cipher(f"a:{KEY_A}").seal(SECRET, CONTEXT)
    with pytest.raises(KeyringError, match="key 'a' does not open"):
        cipher(f"a:{KEY_B}").open(sealed, CONTEXT)


def test_a_value_sealed_with_an_unknown_key_id_fails_with_a_clear_message() -> None:
    sealed = cipher(f"old:{KEY_A}").seal(SECRET, CONTEXT)
    with pytest.raises(KeyringError, match="no key with id 'old'"):
        cipher(f"new:{KEY_B}").open(sealed, CONTEXT)


@pytest.mark.parametrize("stored", ["plain text", "v2$a$AAAA", "no-dollars-at-all"])
def test_a_value_not_in_the_sealed_format_is_refused_without_quoting_it(stored: str) -> None:
    with pytest.raises(KeyringError) as caught:
        cipher(f"a:{KEY_A}").open(stored, CONTEXT)
    assert stored not in str(caught.value)


def test_an_old_key_still_opens_and_new_values_use_the_first_key() -> None:
    old = cipher(f"old:{KEY_A}")
    sealed_before = old.seal(SECRET, CONTEXT)
    rotated = cipher(f"new:{KEY_B},old:{KEY_A}")
    assert rotated.open(sealed_before, CONTEXT) == SECRET
    sealed_after = rotated.seal(SECRET, CONTEXT)
    assert Cipher.key_id_of(sealed_after) == "new"
    assert rotated.ring.active_id == "new"
    with pytest.raises(KeyringError):
        old.open(sealed_after, CONTEXT)


def test_a_key_ring_accepts_commas_new_lines_blank_lines_and_comments() -> None:
    ring = KeyRing.parse(f"# rotated in 2026\nnew:{KEY_B}\n\n old:{KEY_A} ,")
    assert [kid for kid, _ in ring.keys] == ["new", "old"]
    assert ring.key("old") == bytes(range(32))


def test_new_key_lines_parse_into_a_ring_of_one() -> None:
    ring = KeyRing.parse(new_key_line("fresh"))
    assert ring.active_id == "fresh"
    assert len(ring.key("fresh")) == 32


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (f"bad-id:{KEY_A}", "alphanumeric id"),
        (f":{KEY_A}", "alphanumeric id"),
        (KEY_A, "id:base64key"),
        ("a:not*base64!", "not valid base64"),
        ("a:" + base64.urlsafe_b64encode(bytes(16)).decode(), "must be 32 bytes"),
        ("a:" + base64.urlsafe_b64encode(bytes(33)).decode(), "must be 32 bytes"),
        (f"a:{KEY_A},a:{KEY_B}", "appears twice"),
        ("", "no encryption key"),
        ("  \n , # only a comment", "no encryption key"),
    ],
)
def test_a_malformed_key_ring_is_refused_with_a_clear_message(spec: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        KeyRing.parse(spec)


def test_a_refused_key_ring_never_quotes_the_key_material() -> None:
    short = base64.urlsafe_b64encode(bytes(range(16))).decode()
    with pytest.raises(KeyringError) as caught:
        KeyRing.parse(f"a:{short}")
    assert short not in str(caught.value)


def test_load_key_ring_prefers_the_environment_variable_over_the_file(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.txt"
    key_file.write_text(f"file:{KEY_B}\n", encoding="utf-8")
    ring = load_key_ring("KEYS", key_file, {"KEYS": f"env:{KEY_A}"})
    assert ring.active_id == "env"


def test_load_key_ring_falls_back_to_the_file_when_the_variable_is_empty(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.txt"
    key_file.write_text(f"file:{KEY_B}\n", encoding="utf-8")
    assert load_key_ring("KEYS", key_file, {}).active_id == "file"
    assert load_key_ring("KEYS", key_file, {"KEYS": "  "}).active_id == "file"


def test_load_key_ring_without_variable_or_file_names_both(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "keys.txt"
    with pytest.raises(KeyringError) as caught:
        load_key_ring("MY_KEYS", missing, {})
    message = str(caught.value)
    assert "MY_KEYS" in message
    assert str(missing) in message
    assert "concernbot keys init" in message
    assert not missing.exists()


def test_create_key_file_makes_a_private_file_once(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys.txt"
    assert create_key_file(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text(encoding="utf-8")
    assert len(load_key_ring("UNSET", path, {}).keys) == 1
    assert create_key_file(path) is False
    assert path.read_text(encoding="utf-8") == first


def test_create_key_file_makes_a_new_key_each_time(tmp_path: Path) -> None:
    create_key_file(tmp_path / "one.txt")
    create_key_file(tmp_path / "two.txt")
    one = load_key_ring("UNSET", tmp_path / "one.txt", {})
    two = load_key_ring("UNSET", tmp_path / "two.txt", {})
    assert one.key(one.active_id) != two.key(two.active_id)
