"""The baseline verdict of one image: unsafe settings and build risks from the surviving files."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from openhss.scan.baseline.accounts import AccountFiles, is_rhosts
from openhss.scan.baseline.build import config_risks, file_risks
from openhss.scan.baseline.checks import WEAK, account_settings, password_records
from openhss.scan.baseline.passwords import PasswordBudget, find_weak_passwords
from openhss.scan.interface import BuildRisk, ImageConfig, LayerFile, UnsafeSetting


@dataclass(frozen=True)
class BaselineReport:
    """Everything the baseline found in one image."""

    unsafe_settings: tuple[UnsafeSetting, ...]
    """Failed account checks, one per failed instance."""
    build_risks: tuple[BuildRisk, ...]
    """Dockle-style build risks (not unsafe settings)."""
    notes: tuple[str, ...] = ()
    """Bounds that cut a check short (for `ScanResult.notes`)."""


def evaluate(
    files: Mapping[str, LayerFile],
    config: ImageConfig,
    *,
    today: datetime.date | None = None,
    budget: PasswordBudget | None = None,
) -> BaselineReport:
    """Run every baseline check over the files that survived the layer merge.

    `files` maps each path to the `LayerFile` that `AccountFilesAnalyzer` or `BuildFilesAnalyzer`
    returned for it (only surviving paths). `today` (UTC today by default) dates the
    future-password-change check; `budget` bounds the weak-password check (5 s, 32 hashes).
    """
    files = dict(files)
    today = today or datetime.datetime.now(datetime.UTC).date()
    today_days = (today - datetime.date(1970, 1, 1)).days
    rhosts = sorted(p for p in files if is_rhosts(p))
    settings = account_settings(files, rhosts, today_days)
    weak = find_weak_passwords(password_records(AccountFiles.parse(files)), budget or PasswordBudget())
    for entry in weak.weak:
        title = f"password of {entry.name} is a common password"
        settings.append(WEAK.fail(title, entry.path, entry.line, entry.name))
    risks = (*config_risks(config), *file_risks(files))
    return BaselineReport(tuple(settings), risks, weak.notes)
