"""The one rule that turns an image's vulnerabilities, unsafe settings and malware into its severity."""

from __future__ import annotations

from collections.abc import Iterable

SECURITY = "Security"
LOW = "Low"
MEDIUM = "Medium"
HIGH = "High"


def severity_level(
    vulnerability_severities: Iterable[str],
    unsafe_setting_risks: Iterable[str],
    malicious_file_count: int,
) -> str:
    """The provider's `severity_level` of an image: `High`, `Medium`, `Low` or `Security`.

    | image has                                                         | level      |
    |-------------------------------------------------------------------|------------|
    | any malicious file, or any Critical/High vulnerability            | `High`     |
    | else any Medium vulnerability, or any High-risk unsafe setting    | `Medium`   |
    | else any other vulnerability (Low, Unknown) or unsafe setting     | `Low`      |
    | nothing at all                                                    | `Security` |

    Input is case-insensitive (`CRITICAL`, `critical`, `Critical` are the same); an unrecognised
    vulnerability severity counts as Unknown, an unrecognised risk as a non-High one, so nothing
    found is ever reported as `Security`.
    """
    if malicious_file_count > 0:
        return HIGH
    level = SECURITY
    for severity in vulnerability_severities:
        key = severity.strip().lower()
        if key in ("critical", "high"):
            return HIGH
        if key == "medium":
            level = MEDIUM
        elif level == SECURITY:
            level = LOW
    for risk in unsafe_setting_risks:
        if risk.strip().lower() == "high":
            level = MEDIUM
        elif level == SECURITY:
            level = LOW
    return level


def repair_necessity(severity: str) -> str:
    """How urgently a vulnerability of `severity` needs fixing, in the provider's words.

    Critical/High: `immediate_repair`; Medium: `delay_repair`; Low, Unknown and anything else:
    `not_needed_repair`. Case-insensitive.
    """
    key = severity.strip().lower()
    if key in ("critical", "high"):
        return "immediate_repair"
    if key == "medium":
        return "delay_repair"
    return "not_needed_repair"
