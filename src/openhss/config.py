"""The one settings object: everything configurable, read from the environment (OPENHSS_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Server-wide configuration; build it with `Settings.from_env()`."""

    home: Path
    """State directory (`OPENHSS_HOME`, default `~/.openhss`): embedded database, server key, credentials."""
    database_url: str
    """SQLAlchemy URL (`OPENHSS_DATABASE_URL`); default embedded SQLite `$OPENHSS_HOME/openhss.db`."""
    secret_key: str | None = None
    """Fernet key that encrypts secret keys at rest (`OPENHSS_SECRET_KEY`), shared by every API server."""
    secret_key_file: Path | None = None
    """File holding that key (`OPENHSS_SECRET_KEY_FILE`); default `$OPENHSS_HOME/secret.key`, made on first use."""
    token_ttl_seconds: int = 24 * 3600
    """How long an IAM token is valid (the provider's: 24 h)."""
    signature_skew_seconds: int = 15 * 60
    """How far an `X-Sdk-Date` may be from the server clock."""
    swr_hosts: tuple[str, ...] = field(default=())
    """Extra registry hosts whose images count as `swr_image` (`OPENHSS_SWR_HOSTS`, comma-separated)."""
    vulndb_urls: tuple[str, ...] = field(default=())
    """OSV dump URLs for `openhss db update` (`OPENHSS_VULNDB_URLS`, comma-separated); empty: OSV's own."""
    match_warmup_entries: int = 100_000
    """Advisory entries `openhss server` compiles in the background at start, for the packages stored
    SBOMs hold most (`OPENHSS_MATCH_WARMUP_ENTRIES`; 0: no warm-up)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from `environ` (default: the process environment)."""
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("OPENHSS_HOME") or Path.home() / ".openhss").expanduser()
        url = env.get("OPENHSS_DATABASE_URL") or f"sqlite:///{home / 'openhss.db'}"
        key_file = env.get("OPENHSS_SECRET_KEY_FILE")
        swr = tuple(h.strip().lower() for h in env.get("OPENHSS_SWR_HOSTS", "").split(",") if h.strip())
        urls = tuple(u.strip() for u in env.get("OPENHSS_VULNDB_URLS", "").split(",") if u.strip())
        return cls(
            home=home,
            vulndb_urls=urls,
            match_warmup_entries=_count(env, "OPENHSS_MATCH_WARMUP_ENTRIES", 100_000),
            database_url=url,
            secret_key=env.get("OPENHSS_SECRET_KEY") or None,
            secret_key_file=Path(key_file) if key_file else None,
            swr_hosts=swr,
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is the embedded SQLite database."""
        return self.database_url.startswith("sqlite")


def _count(env: dict[str, str], name: str, default: int) -> int:
    """A non-negative whole number from `env[name]`; a ValueError naming the variable otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return int(raw)
