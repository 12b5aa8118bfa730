"""The server key that encrypts secret keys at rest: from configuration, or made once in OPENHSS_HOME."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from openhss.config import Settings


class SecretKeyError(Exception):
    """The configured server key is unusable, or a stored secret does not decrypt with it."""


class SecretBox:
    """Encrypts and decrypts small secrets (SKs) with the server key (Fernet: AES-128-CBC + HMAC)."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise SecretKeyError(
                "the server key must be 32 url-safe base64-encoded bytes (make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The key from OPENHSS_SECRET_KEY, else from the key file, made there on first use."""
        if settings.secret_key:
            return cls(settings.secret_key.encode())
        path = settings.secret_key_file or settings.home / "secret.key"
        if not path.exists():
            _write_new_key(path)
        return cls(path.read_bytes().strip())

    def encrypt(self, plain: str) -> str:
        """Ciphertext, as text for a database column."""
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain secret; SecretKeyError when the key is not the one that encrypted it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise SecretKeyError("a stored secret does not decrypt with the configured server key") from exc


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: when two servers start at once, one writes and the other reads the winner's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
