"""How much of an image a scan will read before it gives up with `huge_image`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from openhss.scan.interface import ScanError

_ENV_PREFIX = "OPENHSS_SCAN_"


@dataclass(frozen=True)
class Limits:
    """Bounds on one scan; crossing any of them raises `HugeImageError`."""

    max_image_bytes: int = 20 * 1024**3
    """Uncompressed bytes over all layers (and over the outer archive), counted as they stream by."""
    max_files: int = 2_000_000
    """Regular files over all layers."""
    max_file_bytes: int = 256 * 1024**2
    """Bytes read from one file an analyzer claims."""
    max_metadata_bytes: int = 16 * 1024**2
    """Bytes of small JSON documents (configs, manifests, indexes) kept in memory."""

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"limit {f.name} must be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by `OPENHSS_SCAN_MAX_IMAGE_BYTES` and friends (bytes, `k`/`m`/`g` suffixes)."""
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in fields(cls):
            raw = env.get(_ENV_PREFIX + f.name.upper())
            if raw:
                values[f.name] = parse_size(raw)
        return cls(**values)


def parse_size(text: str) -> int:
    """`1048576`, `512k`, `64M`, `20G` -> bytes (powers of 1024); ScanError when unreadable."""
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
    raw = text.strip().lower().removesuffix("b").removesuffix("i")
    number, unit = (raw[:-1], raw[-1]) if raw and raw[-1] in units else (raw, "")
    try:
        value = int(number) * units[unit]
    except ValueError:
        raise ScanError(f"not a size: {text!r}") from None
    if value <= 0:
        raise ScanError(f"not a positive size: {text!r}")
    return value
