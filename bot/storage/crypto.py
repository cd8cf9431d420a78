"""Column encryption with AES-GCM; each value carries the id of the key that sealed it."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1"


class KeyringError(Exception):
    """Keys are missing, malformed or do not open the stored data. The message says which."""


@dataclass(frozen=True)
class KeyRing:
    """Named 256-bit keys; the first one seals new values, all of them can open."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def active_id(self) -> str:
        """The id of the key that encrypts new values."""
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        """Return the key with ``key_id`` or raise ``KeyringError``."""
        for kid, material in self.keys:
            if kid == key_id:
                return material
        raise KeyringError(f"no key with id {key_id!r} is configured")

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse ``id:base64key`` entries separated by commas or new lines."""
        entries = [e.strip() for e in spec.replace("\n", ",").split(",")]
        keys: list[tuple[str, bytes]] = []
        for entry in entries:
            if not entry or entry.startswith("#"):
                continue
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid.isalnum():
                raise KeyringError("each key must look like 'id:base64key' with an alphanumeric id")
            try:
                material = base64.urlsafe_b64decode(encoded.encode())
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"key {kid!r} is not valid base64") from exc
            if len(material) != 32:
                raise KeyringError(f"key {kid!r} must be 32 bytes (256 bits)")
            if any(existing == kid for existing, _ in keys):
                raise KeyringError(f"key id {kid!r} appears twice")
            keys.append((kid, material))
        if not keys:
            raise KeyringError("no encryption key is configured")
        return cls(tuple(keys))


def new_key_line(key_id: str | None = None) -> str:
    """Return a fresh ``id:base64key`` entry."""
    kid = key_id or "k" + secrets.token_hex(3)
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


def load_key_ring(env_name: str, key_file: Path, environ: Mapping[str, str]) -> KeyRing:
    """Read keys from the environment variable, else from the key file; never invent one."""
    spec = environ.get(env_name, "").strip()
    if spec:
        return KeyRing.parse(spec)
    if key_file.is_file():
        try:
            text = key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as error:
            reason = "not a text file" if isinstance(error, UnicodeError) else error.strerror
            raise KeyringError(
                f"[crypto] key_file {key_file}: cannot be read ({reason}); restore it from the "
                f"backup of the keys, or set {env_name}"
            ) from None
        return KeyRing.parse(text)
    raise KeyringError(
        f"no encryption key: set {env_name} or create {key_file} with 'concernbot keys init'"
    )


def create_key_file(path: Path) -> bool:
    """Create ``path`` with one new key (mode 0600); return False if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(new_key_line() + "\n")
    return True


class Cipher:
    """Seals and opens text values bound to the column they live in."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    @property
    def ring(self) -> KeyRing:
        """The key ring in use."""
        return self._ring

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt ``plaintext`` for storage in ``context`` (such as ``concerns.facts``)."""
        nonce = os.urandom(12)
        kid = self._ring.active_id
        sealed = AESGCM(self._ring.key(kid)).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_PREFIX}${kid}${base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, context: str) -> str:
        """Decrypt a value made by ``seal`` for the same ``context``."""
        try:
            prefix, kid, body = stored.split("$", 2)
        except ValueError as exc:
            raise KeyringError(f"a value in {context} is not in the encrypted format") from exc
        if prefix != _PREFIX:
            raise KeyringError(f"a value in {context} has an unknown format")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except (binascii.Error, ValueError) as exc:
            raise KeyringError(f"a value in {context} is damaged") from exc
        if len(raw) < 12 + 16:  # a nonce and an authentication tag at the least
            raise KeyringError(f"a value in {context} is damaged")
        try:
            plain = AESGCM(self._ring.key(kid)).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag as exc:
            raise KeyringError(f"key {kid!r} does not open a value in {context}") from exc
        return plain.decode()

    @staticmethod
    def key_id_of(stored: str) -> str:
        """Return the id of the key that sealed ``stored``."""
        return stored.split("$", 2)[1]
