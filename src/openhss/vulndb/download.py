"""`openhss db update`: fetch OSV dumps from configured URLs, only when they changed (ETag / If-Modified-Since)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import delete, insert, select

from openhss.store import Database, now_ms
from openhss.store.tables import vulndb_sources
from openhss.vulndb.interface import SourceError

OSV_BUCKET = "https://osv-vulnerabilities.storage.googleapis.com"
DEFAULT_ECOSYSTEMS = (
    "Debian",
    "Ubuntu",
    "Alpine",
    "Red Hat",
    "AlmaLinux",
    "Rocky Linux",
    "openEuler",
    "PyPI",
    "npm",
    "Go",
    "Maven",
    "RubyGems",
    "crates.io",
    "Packagist",
    "NuGet",
)
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024


def default_urls() -> tuple[str, ...]:
    """OSV's per-ecosystem `all.zip` dumps."""
    return tuple(f"{OSV_BUCKET}/{e.replace(' ', '%20')}/all.zip" for e in DEFAULT_ECOSYSTEMS)


@dataclass(frozen=True)
class Fetched:
    """One URL's outcome."""

    url: str
    """What was asked for."""
    path: Path | None
    """The downloaded file, None when the server said it had not changed (304)."""
    etag: str = ""
    """The response's ETag."""
    last_modified: str = ""
    """The response's Last-Modified."""


def _file_for(cache: Path, url: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1])[-80:]
    return cache / f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{stem}"


def fetch(
    db: Database,
    url: str,
    cache: Path,
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 60.0,
) -> Fetched:
    """Download `url` into `cache` unless the stored ETag/Last-Modified say it is unchanged."""
    with db.begin() as conn:
        known = conn.execute(select(vulndb_sources).where(vulndb_sources.c.url == url)).first()
    headers = {}
    target = _file_for(cache, url)
    if known is not None and target.exists():
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
    cache.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    try:
        with httpx.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
            if response.status_code == 304:
                return Fetched(url, None)
            if response.status_code != 200:
                raise SourceError(f"{url}: HTTP {response.status_code}")
            total = int(response.headers.get("content-length", 0)) or None
            done = 0
            with open(part, "wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    done += len(chunk)
                    if done > MAX_DOWNLOAD_BYTES:
                        raise SourceError(f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
                    if progress is not None:
                        progress(done, total)
            etag, modified = response.headers.get("etag", ""), response.headers.get("last-modified", "")
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise SourceError(f"{url}: {exc}") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    return Fetched(url, target, etag, modified)


def remember(db: Database, fetched: Fetched) -> None:
    """Record the validators of a download once it is imported, so the next update can skip it."""
    with db.begin(write=True) as conn:
        conn.execute(delete(vulndb_sources).where(vulndb_sources.c.url == fetched.url))
        conn.execute(
            insert(vulndb_sources).values(
                url=fetched.url, etag=fetched.etag, last_modified=fetched.last_modified, fetched_ms=now_ms()
            )
        )
