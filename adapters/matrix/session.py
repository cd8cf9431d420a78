"""The bot's Matrix session: one stable device (token and id kept across restarts), its
olm machine on the persistent store, and cross-signing set up on the first start."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from mautrix.client import Client, DecryptionDispatcher
from mautrix.client.syncer import EventHandlerProps
from mautrix.crypto import OlmMachine
from mautrix.types import DeviceID, EncryptedEvent, Event, TrustState, UserID
from olm.account import OlmAccountError

from adapters.matrix.limits import LimitedAPI, patiently
from adapters.matrix.settings import MatrixSettings
from adapters.matrix.store import (
    Credentials,
    Stores,
    load_credentials,
    pickle_key,
    save_credentials,
)
from bot.app.logs import add_secret
from bot.channels.replies import Reply
from bot.startup_errors import ConfigError

log = logging.getLogger(__name__)

NO_RECOVERY_KEY = (
    "[matrix] {user} is cross-signed, but this device ({device}) is new: give the recovery "
    "key printed at the first start as ${env}, so the device signs itself with the bot's key "
    "(new cross-signing keys would break every member's verification of the bot). If the key "
    "is lost, reset the account's cryptographic identity in Element and give the new key."
)
WRONG_RECOVERY_KEY = "[matrix] ${env} is not the recovery key of {user} ({reason})"
RECOVERY_NOTE = (
    "Matrix: cross-signing set up for {user}. Recovery key (shown ONCE; store it with the "
    "bot's encryption keys, give it as ${env} to sign a new device):\n{key}\n"
)


class Session:
    """The mautrix client and olm machine of the bot's device."""

    def __init__(self, settings: MatrixSettings, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self._environ = environ
        for name in (
            settings.password_env,
            settings.access_token_env,
            settings.pickle_key_env,
        ):
            add_secret(environ.get(name, ""))
        secret_recovery_key(environ.get(settings.recovery_key_env, ""))
        key = pickle_key(environ.get(settings.pickle_key_env, ""), Path(settings.pickle_key_file))
        self.stores = Stores(settings.store, settings.user_id, key)
        api = LimitedAPI(base_url=settings.homeserver)
        self.client = Client(
            mxid=UserID(settings.user_id),
            api=api,
            state_store=self.stores.state,
            sync_store=self.stores.crypto,
        )
        self.machine: OlmMachine | None = None

    @property
    def device_id(self) -> str:
        """The bot's device id."""
        return str(self.client.device_id)

    @property
    def fingerprint(self) -> str:
        """The ed25519 key of the bot's device, in groups of four as Element shows it."""
        assert self.machine is not None
        assert self.machine.account is not None
        key = str(self.machine.account.signing_key)
        return " ".join(key[i : i + 4] for i in range(0, len(key), 4))

    async def open(self, stderr: TextIO | None = None) -> None:
        """Open the store, log in (first start) or reuse the device, load the olm machine,
        upload the device keys and set up or repair cross-signing (the recovery key of a
        first start goes to ``stderr``, by default the process's at the time of the call)."""
        await self.stores.open()
        credentials = await self._credentials()
        self.client.api.token = credentials.access_token
        self.client.device_id = DeviceID(credentials.device_id)
        stored = await self.stores.crypto.get_device_id()
        if stored and stored != credentials.device_id:
            raise ConfigError(
                f"[matrix] the crypto store belongs to device {stored}, not "
                f"{credentials.device_id}: give the store of this device or a fresh one"
            )
        await self.stores.crypto.put_device_id(DeviceID(credentials.device_id))
        machine = OlmMachine(self.client, self.stores.crypto, self.stores.state)
        try:
            await machine.load()
        except OlmAccountError:
            raise ConfigError(
                "[matrix] the crypto store ([matrix] store) cannot be read with this "
                f"pickle key (${self.settings.pickle_key_env}, else the file "
                f"{self.settings.pickle_key_file}): give the key it was made with"
            ) from None
        self.client.crypto = machine
        # We decrypt ourselves, in the sync loop, and await every handler there.
        self.client.remove_dispatcher(DecryptionDispatcher)
        waited(self.client)
        self.machine = machine
        budget = self.settings.start_retry_seconds
        if machine.account is None or not machine.account.shared:
            await patiently("upload device keys", machine.share_keys, budget)
        await self._cross_sign(machine, sys.stderr if stderr is None else stderr)

    async def verified(self, user: UserID, checked: set[tuple[str, str, str]]) -> bool:
        """True if one of ``user``'s devices is cross-signed by them or in ``checked``."""
        machine = self.machine
        assert machine is not None
        devices = await machine.crypto_store.get_devices(user)
        if devices is None:
            devices = (await machine._fetch_keys([user], include_untracked=True)).get(user, {})
        for device in devices.values():
            if (str(user), str(device.device_id), str(device.signing_key)) in checked:
                return True
            if await machine.resolve_trust(device) >= TrustState.CROSS_SIGNED_TOFU:
                return True
        return False

    async def close(self) -> None:
        """Close the HTTP session and the store."""
        await self.client.api.session.close()
        await self.stores.close()

    async def _credentials(self) -> Credentials:
        file = Path(self.settings.credentials_file)
        saved = load_credentials(file)
        if saved is not None:
            return saved
        token = self._environ.get(self.settings.access_token_env, "")
        if token:
            if not self.settings.device_id:
                raise ConfigError("[matrix] an access token needs its device_id")
            add_secret(token)
            return Credentials(token, self.settings.device_id)
        password = self._environ.get(self.settings.password_env, "")
        if not password:
            raise ConfigError(f"[matrix] the first login needs ${self.settings.password_env}")
        add_secret(password)
        localpart = self.settings.user_id[1:].split(":", 1)[0]

        async def login() -> Credentials:
            answer = await self.client.login(
                identifier=UserID(localpart),
                password=password,
                device_name=self.settings.device_name,
            )
            return Credentials(answer.access_token, str(answer.device_id))

        credentials = await patiently("login", login, self.settings.start_retry_seconds)
        save_credentials(file, credentials)
        log.info("logged in to Matrix as a new device %s", credentials.device_id)
        return credentials

    async def _cross_sign(self, machine: OlmMachine, stderr: TextIO) -> None:
        # The homeserver's view first: keys mautrix published itself are stored without the
        # master key's signature on the self-signing key, so a restart read them as unsigned.
        own = UserID(self.settings.user_id)
        await patiently(
            "query own keys",
            lambda: machine._fetch_keys([own], include_untracked=True),
            self.settings.start_retry_seconds,
        )
        trust = await machine.resolve_trust(machine.own_identity)
        if trust >= TrustState.CROSS_SIGNED_UNTRUSTED:
            return
        if await machine.get_own_cross_signing_public_keys() is None:
            key = await machine.generate_recovery_key()
            secret_recovery_key(key)
            # Printed once for the operator; never logged, never stored by the bot.
            env = self.settings.recovery_key_env
            stderr.write(RECOVERY_NOTE.format(user=self.settings.user_id, env=env, key=key))
            stderr.flush()
            log.info("cross-signing set up; the recovery key went to stderr once")
            return
        env, user = self.settings.recovery_key_env, self.settings.user_id
        recovery = self._environ.get(env, "").strip()
        if not recovery:
            raise ConfigError(NO_RECOVERY_KEY.format(user=user, device=self.device_id, env=env))
        secret_recovery_key(recovery)
        try:
            await machine.verify_with_recovery_key(recovery)
        except ValueError as error:
            # mautrix's reasons ("Key MAC does not match", ...) never quote the key.
            reason = str(error)
            raise ConfigError(
                WRONG_RECOVERY_KEY.format(env=env, user=user, reason=reason)
            ) from None
        log.info("device %s signed with the recovery key", self.device_id)


def secret_recovery_key(key: str) -> None:
    """Redact a recovery key from the logs as printed (groups of four) and run together."""
    add_secret(key.strip())
    add_secret("".join(key.split()))


def waited(client: Client) -> None:
    """Make every handler mautrix registered one that ``handle_sync`` hands back as a task,
    so the sync loop awaits them (room keys, device lists, state) before it moves on."""
    for handlers in (client.global_event_handlers, *client.event_handlers.values()):
        for handler, props in list(handlers.items()):
            handlers[handler] = EventHandlerProps(wait_sync=True, sync_stream=props.sync_stream)


async def decrypted(machine: OlmMachine, event: EncryptedEvent) -> Event:
    """The decrypted event (mautrix reads the deprecated sender_key/device_id fields
    itself, and warns)."""
    # mautrix reads the deprecated sender_key/device_id fields itself, and warns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return await machine.decrypt_megolm_event(event)


def checked_devices(settings: MatrixSettings) -> set[tuple[str, str, str]]:
    """The hand-checked devices as (user id, device id, ed25519 key)."""
    found = (line.split() for line in settings.verified_devices)
    return {(parts[0], parts[1], parts[2]) for parts in found if len(parts) == 3}


def shows_concern(reply: Reply) -> bool:
    """True for a reply that shows a concern (its details, or a copy)."""
    return (reply.view is not None and reply.view.kind == "details") or reply.copy is not None
