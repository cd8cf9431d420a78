"""One settings table read into its dataclass: file values, then ``CONCERNBOT_<SECTION>_<KEY>``.

The core's sections and every channel's own table are read the same way, so a channel's
settings type gets the same checks and messages as the core's."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from bot.startup_errors import ConfigError

T = TypeVar("T")


def section(name: str, kind: type[T], values: object, env: Mapping[str, str]) -> T:
    """Read table ``[name]`` into ``kind`` (a dataclass whose fields all have defaults)."""
    defaults = kind()
    if not isinstance(values, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {f.name: f for f in dataclasses.fields(defaults)}  # type: ignore[arg-type]
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"[{name}] has unknown keys: {', '.join(sorted(unknown))}")
    merged: dict[str, Any] = {}
    for key, spec in known.items():
        default = getattr(defaults, key)
        value = values.get(key, default)
        env_name = f"CONCERNBOT_{name}_{key}".upper()
        if isinstance(default, dict):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"[{name}.{key}] must be a table of strings")
            value = {str(k): v for k, v in value.items()}
        elif env_name in env:
            value = _coerce(env[env_name], type(default), env_name)
        elif isinstance(default, float) and is_int(value):
            value = float(value)
        elif not isinstance(value, type(default)) or (
            isinstance(value, bool) and not isinstance(default, bool)
        ):
            raise ConfigError(f"[{name}] {key} must be of type {type(default).__name__}")
        merged[spec.name] = value
    return dataclasses.replace(defaults, **merged)  # type: ignore[type-var]


_KIND_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _coerce(text: str, kind: type, env_name: str) -> Any:
    try:
        if kind is bool:
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError as exc:
        raise ConfigError(f"{env_name} must be {_KIND_WORDS[kind]}") from exc
    return text


def is_int(value: object) -> bool:
    """True for a whole number that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)
