"""Catalogers, one module per ecosystem; each module exposes `CATALOGER`, found here by name."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from openhss.scan.interface import Cataloger


@cache
def all_catalogers() -> tuple[Cataloger, ...]:
    """Every cataloger in this package, in module-name order."""
    found: list[Cataloger] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        cataloger = getattr(module, "CATALOGER", None)
        if isinstance(cataloger, Cataloger):
            found.append(cataloger)
    return tuple(found)
