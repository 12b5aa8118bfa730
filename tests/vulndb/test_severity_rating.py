"""Advisory severity: the distribution's own rating first, then CVSS v4/v3, then the database's word."""

from __future__ import annotations

from openhss.vulndb.severity_rating import cvss_of, from_score, from_word, package_rating, record_rating

V31_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V31_MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"
V40_HIGH = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"


def test_bands() -> None:
    assert [from_score(s) for s in (9.8, 9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0.1, 0.0)] == [
        "Critical",
        "Critical",
        "High",
        "High",
        "Medium",
        "Medium",
        "Low",
        "Low",
        "Unknown",
    ]


def test_cvss_vectors() -> None:
    assert cvss_of({"severity": [{"type": "CVSS_V3", "score": V31_CRITICAL}]}) == (V31_CRITICAL, 9.8)
    vector, score = cvss_of(
        {"severity": [{"type": "CVSS_V3", "score": V31_CRITICAL}, {"type": "CVSS_V4", "score": V40_HIGH}]}
    )
    assert vector == V40_HIGH and 7.0 <= score < 9.0
    assert cvss_of({"severity": [{"type": "CVSS_V3", "score": "garbage"}]}) == ("", 0.0)


def test_record_rating_prefers_the_distribution() -> None:
    ubuntu = {"severity": [{"type": "Ubuntu", "score": "low"}, {"type": "CVSS_V3", "score": V31_CRITICAL}]}
    assert record_rating(ubuntu) == "Low"
    assert record_rating({"severity": [{"type": "CVSS_V3", "score": V31_MEDIUM}]}) == "Medium"
    assert record_rating({"database_specific": {"severity": "MODERATE"}}) == "Medium"
    assert record_rating({}) == "Unknown"
    assert package_rating({"ecosystem_specific": {"urgency": "unimportant"}}) == "Low"
    assert package_rating({"ecosystem_specific": {"urgency": "not yet assigned"}}) == ""
    assert package_rating({"database_specific": {"severity": "High"}}) == "High"
    assert from_word("IMPORTANT") == "High"
