"""Settings: the example file, environment overrides and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.startup_errors import ConfigError
from tests.channel_settings import load as load_settings
from tests.channel_settings import slack_of, telegram_of

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"

MINIMAL_NETWORK = """
[[networks]]
id = "demo"
name = "Demo"

[[networks.organisations]]
id = "org"
name = "Organisation"
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write a configuration file and return its path."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> Settings:
    """Load ``text`` as a configuration file, with ``environ`` as the only environment."""
    return load_settings(write(tmp_path, text), environ or {})


def test_the_example_configuration_loads() -> None:
    settings = load_settings(EXAMPLE, {})
    assert [n.id for n in settings.networks] == ["demo"]
    demo = settings.network("demo")
    assert [o.id for o in demo.organisations] == ["jongerenwerk-noord", "college-zuid"]
    assert demo.digest_threshold == 5
    assert demo.retention_days == 365
    assert len(demo.roles) == 4
    assert any(r.contact == "112" for r in demo.roles)
    assert demo.organisation("jongerenwerk-noord").procedure.startswith("1.")
    assert demo.organisation("college-zuid").agreements
    assert settings.bot.default_language == "nl"
    assert settings.deadlines.acknowledge_working_days == 2
    assert settings.deadlines.acute_acknowledge_minutes == 15
    assert settings.deadlines.feedback_days == 14
    assert settings.outbox.max_attempts == 8
    assert settings.console.network == "demo"
    assert slack_of(settings).alert_channels == {"demo": "C0000000000"}


def test_the_example_configuration_ignores_the_real_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONCERNBOT_OUTBOX_MAX_ATTEMPTS", "99")
    assert load_settings(EXAMPLE, {}).outbox.max_attempts == 8
    assert load_settings(EXAMPLE).outbox.max_attempts == 99


def test_no_file_at_all_gives_the_defaults() -> None:
    settings = load_settings(None, {})
    assert settings.networks == ()
    assert settings.database.url == "sqlite:///var/concernbot.db"
    assert settings.crypto.keys_env == "CONCERNBOT_ENCRYPTION_KEYS"


def test_an_unknown_network_id_is_refused_with_its_name() -> None:
    with pytest.raises(ConfigError, match="no network with id 'elsewhere'"):
        load_settings(EXAMPLE, {}).network("elsewhere")


@pytest.mark.parametrize(
    ("variable", "value", "section", "key", "expected"),
    [
        ("CONCERNBOT_DATABASE_URL", "sqlite:///x.db", "database", "url", "sqlite:///x.db"),
        ("CONCERNBOT_OUTBOX_MAX_ATTEMPTS", "3", "outbox", "max_attempts", 3),
        ("CONCERNBOT_OUTBOX_BASE_BACKOFF_SECONDS", "2.5", "outbox", "base_backoff_seconds", 2.5),
        ("CONCERNBOT_OUTBOX_MAX_BACKOFF_SECONDS", "60", "outbox", "max_backoff_seconds", 60.0),
        ("CONCERNBOT_DATABASE_ECHO", "true", "database", "echo", True),
        ("CONCERNBOT_DATABASE_ECHO", "YES", "database", "echo", True),
        ("CONCERNBOT_DATABASE_ECHO", "1", "database", "echo", True),
        ("CONCERNBOT_SCHEDULER_ENABLED", "off", "scheduler", "enabled", False),
        ("CONCERNBOT_SCHEDULER_ENABLED", "0", "scheduler", "enabled", False),
        ("CONCERNBOT_BOT_DEFAULT_LANGUAGE", "en", "bot", "default_language", "en"),
        ("CONCERNBOT_DEADLINES_FEEDBACK_DAYS", "7", "deadlines", "feedback_days", 7),
    ],
)
def test_an_environment_variable_overrides_the_file_with_the_right_type(
    variable: str, value: str, section: str, key: str, expected: object
) -> None:
    settings = load_settings(EXAMPLE, {variable: value})
    got = getattr(getattr(settings, section), key)
    assert got == expected
    assert type(got) is type(expected)


def test_an_environment_override_works_without_a_file() -> None:
    settings = load_settings(None, {"CONCERNBOT_HTTP_PORT": "9090"})
    assert settings.http.port == 9090


@pytest.mark.parametrize(
    ("variable", "value", "kind"),
    [
        ("CONCERNBOT_OUTBOX_MAX_ATTEMPTS", "three", "a whole number"),
        ("CONCERNBOT_OUTBOX_MAX_ATTEMPTS", "2.5", "a whole number"),
        ("CONCERNBOT_OUTBOX_MAX_ATTEMPTS", "", "a whole number"),
        ("CONCERNBOT_OUTBOX_POLL_SECONDS", "soon", "a number"),
        ("CONCERNBOT_DATABASE_ECHO", "maybe", "true or false"),
        ("CONCERNBOT_DATABASE_ECHO", "", "true or false"),
    ],
)
def test_a_bad_environment_value_names_the_variable_and_the_expected_type(
    variable: str, value: str, kind: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(EXAMPLE, {variable: value})
    assert str(caught.value) == f"{variable} must be {kind}"


def test_a_bad_environment_value_is_not_quoted_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(EXAMPLE, {"CONCERNBOT_HTTP_PORT": "s3cr3t-token"})
    assert "s3cr3t-token" not in str(caught.value)


def test_environment_overrides_are_checked_like_the_file() -> None:
    with pytest.raises(ConfigError, match="default_language"):
        load_settings(EXAMPLE, {"CONCERNBOT_BOT_DEFAULT_LANGUAGE": "de"})
    with pytest.raises(ConfigError, match="timezone 'Mars/Olympus'"):
        load_settings(EXAMPLE, {"CONCERNBOT_BOT_TIMEZONE": "Mars/Olympus"})


def test_an_unknown_key_in_a_section_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[outbox\] has unknown keys: max_atempts"):
        load(tmp_path, "[outbox]\nmax_atempts = 3\n" + MINIMAL_NETWORK)


def test_an_unknown_section_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="databse"):
        load(tmp_path, '[databse]\nurl = "sqlite:///elsewhere.db"\n' + MINIMAL_NETWORK)


def test_a_value_of_the_wrong_type_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[outbox\] max_attempts must be of type int"):
        load(tmp_path, '[outbox]\nmax_attempts = "eight"\n' + MINIMAL_NETWORK)


def test_a_boolean_is_not_taken_for_a_number_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_attempts must be of type int"):
        load(tmp_path, "[outbox]\nmax_attempts = true\n" + MINIMAL_NETWORK)


def test_a_whole_number_is_accepted_where_a_decimal_is_expected(tmp_path: Path) -> None:
    settings = load(tmp_path, "[outbox]\nmax_backoff_seconds = 60\n" + MINIMAL_NETWORK)
    assert settings.outbox.max_backoff_seconds == 60
    assert isinstance(settings.outbox.max_backoff_seconds, float)


def test_a_section_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[outbox\] must be a table"):
        load(tmp_path, 'outbox = "fast"\n' + MINIMAL_NETWORK)


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="configuration file not found") as caught:
        load_settings(missing, {})
    assert str(missing) in str(caught.value)


def test_a_file_that_is_not_toml_is_refused_with_the_place_of_the_mistake(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML") as caught:
        load(tmp_path, "[bot]\nname = concernbot\n")
    assert "line 2" in str(caught.value)


def test_an_unknown_timezone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[bot\] timezone 'Europe/Amstredam' is not known"):
        load(tmp_path, '[bot]\ntimezone = "Europe/Amstredam"\n' + MINIMAL_NETWORK)


def test_a_network_without_organisations_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="network 'demo' needs at least one organisation"):
        load(tmp_path, '[[networks]]\nid = "demo"\nname = "Demo"\n')


def test_a_network_entry_without_a_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lacks the key 'name'"):
        load(tmp_path, '[[networks]]\nid = "demo"\n')


def test_an_organisation_without_a_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lacks the key 'name'"):
        load(
            tmp_path,
            '[[networks]]\nid = "demo"\nname = "Demo"\n[[networks.organisations]]\nid = "o"\n',
        )


def test_duplicate_network_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="network ids must be unique"):
        load(tmp_path, MINIMAL_NETWORK + MINIMAL_NETWORK)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("digest_threshold = 0", "digest_threshold must be at least 1"),
        ("retention_days = 0", "retention_days must be at least 1"),
        ('digest_threshold = "five"', "digest_threshold"),
        ("retention_days = 36.5", "retention_days"),
    ],
)
def test_a_bad_network_limit_is_refused(tmp_path: Path, line: str, message: str) -> None:
    text = (
        f'[[networks]]\nid = "demo"\nname = "Demo"\n{line}\n'
        + MINIMAL_NETWORK.split('name = "Demo"\n', 1)[1]
    )
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)


@pytest.mark.parametrize(
    ("original", "changed", "message"),
    [
        (
            'name = "Demo"',
            'name = "Demo"\nretention_dagen = 30',
            r"\[\[networks\]\].*retention_dagen",
        ),
        ('name = "Organisation"', 'name = "O"\nprocedur = "x"', r"organisations\]\].*procedur"),
        (
            'name = "Organisation"',
            'name = "Organisation"\n[[networks.roles]]\nrole = "r"\nwho = "w"\nphone = "1"',
            r"roles\]\].*phone",
        ),
    ],
)
def test_an_unknown_key_in_a_network_entry_is_refused_with_its_name(
    tmp_path: Path, original: str, changed: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, MINIMAL_NETWORK.replace(original, changed, 1))


def test_networks_that_are_not_a_list_of_tables_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"each \[\[networks\]\] entry must be a table"):
        load(tmp_path, 'networks = ["demo"]\n')


def test_alert_channels_for_an_unknown_network_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no network with id 'ghost'"):
        load(tmp_path, '[slack.alert_channels]\nghost = "C1"\n' + MINIMAL_NETWORK)


def test_a_crontab_line_with_the_wrong_number_of_fields_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="digest_cron must be a crontab line of five fields"):
        load(tmp_path, '[scheduler]\ndigest_cron = "0 8 * *"\n' + MINIMAL_NETWORK)


def test_webhook_mode_without_a_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="webhook mode needs webhook_url"):
        load(tmp_path, '[telegram]\nmode = "webhook"\n' + MINIMAL_NETWORK)


def webhook(url: str) -> str:
    """A [telegram] table for webhook mode at ``url``."""
    return f'[telegram]\nmode = "webhook"\nwebhook_url = "{url}"\n' + MINIMAL_NETWORK


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.org/telegram/webhook",
        "https://bot.example.org:443/telegram/webhook",
        "https://bot.example.org:80/telegram/webhook",
        "https://bot.example.org:88/telegram/webhook",
        "https://bot.example.org:8443/telegram/webhook",
    ],
)
def test_a_webhook_url_telegram_accepts_is_taken(tmp_path: Path, url: str) -> None:
    assert telegram_of(load(tmp_path, webhook(url))).webhook_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://bot.example.org/telegram/webhook", "webhook_url must be an https:// URL"),
        ("bot.example.org/telegram/webhook", "webhook_url must be an https:// URL"),
        ("https:///telegram/webhook", "webhook_url must be an https:// URL"),
        (
            "https://bot.example.org:8080/telegram/webhook",
            "webhook_url must use port 443, 80, 88 or 8443",
        ),
        ("https://bot.example.org:x/telegram/webhook", "webhook_url has a port that is not a"),
    ],
)
def test_a_webhook_url_telegram_refuses_is_refused_at_load_naming_the_key(
    tmp_path: Path, url: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=rf"\[telegram\] {message}"):
        load(tmp_path, webhook(url))


@pytest.mark.parametrize(
    "secret", ["has spaces", "colon:in-it", "ünïcode", "x" * 257, "123456:BOT-TOKEN-LIKE"]
)
def test_a_webhook_secret_telegram_refuses_is_refused_at_load_without_quoting_it(
    tmp_path: Path, secret: str
) -> None:
    environ = {"TELEGRAM_WEBHOOK_SECRET": secret}
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, webhook("https://bot.example.org/hook"), environ)
    assert "$TELEGRAM_WEBHOOK_SECRET (named by [telegram] webhook_secret_env)" in str(refused.value)
    assert "1 to 256 characters of A-Z, a-z, 0-9, _ and -" in str(refused.value)
    assert secret not in str(refused.value)


def test_a_webhook_secret_is_read_from_the_variable_the_configuration_names(
    tmp_path: Path,
) -> None:
    text = webhook("https://bot.example.org/hook").replace(
        "[telegram]\n", '[telegram]\nwebhook_secret_env = "HOOK_SECRET"\n'
    )
    good = {"HOOK_SECRET": "A" * 256, "TELEGRAM_WEBHOOK_SECRET": "not valid!"}
    assert telegram_of(load(tmp_path, text, good)).webhook_secret_env == "HOOK_SECRET"
    with pytest.raises(ConfigError, match=r"\$HOOK_SECRET"):
        load(tmp_path, text, {"HOOK_SECRET": "not valid!"})


def test_the_webhook_rules_hold_for_environment_overrides_too() -> None:
    environ = {
        "CONCERNBOT_TELEGRAM_MODE": "webhook",
        "CONCERNBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080/hook",
    }
    with pytest.raises(ConfigError, match="not 8080"):
        load_settings(None, environ)


def test_the_start_up_retry_budget_can_be_set(tmp_path: Path) -> None:
    text = "[telegram]\nstart_retry_seconds = 30\n" + MINIMAL_NETWORK
    assert telegram_of(load(tmp_path, text)).start_retry_seconds == 30.0


def test_a_second_network_can_be_configured(tmp_path: Path) -> None:
    second = MINIMAL_NETWORK.replace('"demo"', '"other"').replace('"org"', '"org2"')
    settings = load(tmp_path, MINIMAL_NETWORK + second)
    assert [n.id for n in settings.networks] == ["demo", "other"]
    assert settings.network("other").organisation("org2").name == "Organisation"
