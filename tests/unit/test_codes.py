"""Step-up codes (bot.security.codes): right once, a step either side, provisioning for apps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp

from bot.security.codes import accepted_step, grouped, is_replay, new_secret, provisioning_uri

NOW = datetime(2026, 11, 30, 9, 0, 10, tzinfo=UTC)


def test_a_fresh_secret_is_base32_of_160_bits_and_shown_in_groups_of_four() -> None:
    secret = new_secret()
    assert len(secret) == 32
    assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert grouped(secret).replace(" ", "") == secret
    assert all(len(group) == 4 for group in grouped(secret).split(" "))
    assert new_secret() != secret


def test_the_provisioning_uri_names_concernbot_and_the_member() -> None:
    secret = new_secret()
    uri = provisioning_uri(secret, "Carl Coordinator")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/concernbot:Carl%20Coordinator"
    assert query["secret"] == [secret]
    assert query["issuer"] == ["concernbot"]


def test_a_right_code_gives_its_time_step_and_is_not_taken_again() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    step = accepted_step(secret, code, NOW, None)
    assert step == pyotp.TOTP(secret).timecode(NOW)
    assert accepted_step(secret, code, NOW, step) is None  # the same step again: a replay
    assert is_replay(secret, code, NOW, step)
    later = NOW + timedelta(seconds=30)
    assert accepted_step(secret, pyotp.TOTP(secret).at(later), later, step) == step + 1


def test_a_code_of_one_step_either_side_is_right_and_two_steps_away_is_not() -> None:
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    for offset in (-30, 30):
        assert accepted_step(secret, totp.at(NOW + timedelta(seconds=offset)), NOW, None)
    for offset in (-60, 60):
        assert accepted_step(secret, totp.at(NOW + timedelta(seconds=offset)), NOW, None) is None


def test_wrong_or_malformed_codes_are_refused_and_spaces_are_allowed() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert accepted_step(secret, f"{code[:3]} {code[3:]}", NOW, None) is not None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for typed in (wrong, "", "12345", "1234567", "abcdef", code + "0"):
        assert accepted_step(secret, typed, NOW, None) is None, typed
    assert not is_replay(secret, wrong, NOW, 1)
