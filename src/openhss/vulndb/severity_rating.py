"""An advisory's severity: the distribution's own rating when it has one, else CVSS v4/v3, else its database's."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

# Debian's urgency and Ubuntu's priority words, and GHSA's database_specific.severity.
_WORDS = {
    "critical": "Critical",
    "high": "High",
    "important": "High",
    "medium": "Medium",
    "moderate": "Medium",
    "low": "Low",
    "negligible": "Low",
    "unimportant": "Low",
}


def from_score(score: float) -> str:
    """CVSS qualitative rating of a base score (the same bands for v3 and v4)."""
    if score >= 9.0:
        return "Critical"
    if score >= 7.0:
        return "High"
    if score >= 4.0:
        return "Medium"
    if score > 0.0:
        return "Low"
    return "Unknown"


def from_word(word: str) -> str:
    """A rating word (`high`, `moderate`, `unimportant`, ...) as a severity; empty when not a rating."""
    return _WORDS.get(word.strip().lower().split()[0] if word.strip() else "", "")


def cvss_of(record: dict[str, Any]) -> tuple[str, float]:
    """The best CVSS vector of the record (v4 over v3) and its base score; ("", 0) when none parses."""
    best: tuple[int, str, float] = (0, "", 0.0)
    for entry in record.get("severity") or []:
        if not isinstance(entry, dict):
            continue
        kind, vector = entry.get("type"), entry.get("score")
        if not isinstance(vector, str):
            continue
        if kind not in ("CVSS_V4", "CVSS_V3"):
            continue
        score = _base_score(kind, vector)
        if score is not None:
            best = max(best, (4 if kind == "CVSS_V4" else 3, vector, score))
    return best[1], best[2]


@lru_cache(maxsize=65_536)
def _base_score(kind: str, vector: str) -> float | None:
    """A vector's base score, None when it does not parse; cached, as a dump repeats a few thousand vectors."""
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        return float(CVSS3(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError):
        return None


def record_rating(record: dict[str, Any]) -> str:
    """Severity of the whole record: Ubuntu's own rating, else CVSS, else database_specific.severity."""
    for entry in record.get("severity") or []:
        if isinstance(entry, dict) and entry.get("type") == "Ubuntu" and isinstance(entry.get("score"), str):
            word = from_word(entry["score"])
            if word:
                return word
    _, score = cvss_of(record)
    if score > 0:
        return from_score(score)
    db = record.get("database_specific")
    if isinstance(db, dict) and isinstance(db.get("severity"), str):
        return from_word(db["severity"]) or "Unknown"
    return "Unknown"


def package_rating(affected: dict[str, Any]) -> str:
    """A distribution's rating for one affected package (Debian `urgency`, `severity`), else empty."""
    for block in (affected.get("ecosystem_specific"), affected.get("database_specific")):
        if not isinstance(block, dict):
            continue
        for key in ("urgency", "severity"):
            value = block.get(key)
            if isinstance(value, str) and from_word(value):
                return from_word(value)
    return ""
