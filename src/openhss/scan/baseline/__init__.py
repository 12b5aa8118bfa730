"""Image baseline: account-file checks (unsafe settings) and Dockle-style build risks."""

from openhss.scan.baseline.accounts import AccountFilesAnalyzer
from openhss.scan.baseline.build import BuildFilesAnalyzer
from openhss.scan.baseline.checks import ALL_CHECKS, Check
from openhss.scan.baseline.passwords import PasswordBudget
from openhss.scan.baseline.report import BaselineReport, evaluate

__all__ = [
    "ALL_CHECKS",
    "AccountFilesAnalyzer",
    "BaselineReport",
    "BuildFilesAnalyzer",
    "Check",
    "PasswordBudget",
    "evaluate",
]
