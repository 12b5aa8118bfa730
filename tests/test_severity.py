import pytest

from openhss.severity import repair_necessity, severity_level


@pytest.mark.parametrize(
    ("vulns", "risks", "malware", "expected"),
    [
        ([], [], 0, "Security"),
        ([], [], 1, "High"),
        (["Low"], ["Low"], 3, "High"),
        (["Critical"], [], 0, "High"),
        (["CRITICAL"], [], 0, "High"),
        (["low", "high"], [], 0, "High"),
        (["Medium"], [], 0, "Medium"),
        (["medium", "Low"], ["Low"], 0, "Medium"),
        ([], ["High"], 0, "Medium"),
        ([], ["HIGH", "Low"], 0, "Medium"),
        (["Low"], ["high"], 0, "Medium"),
        (["Low"], [], 0, "Low"),
        (["Unknown"], [], 0, "Low"),
        (["UNKNOWN", "low"], [], 0, "Low"),
        (["Negligible"], [], 0, "Low"),
        ([], ["Medium"], 0, "Low"),
        ([], ["Low"], 0, "Low"),
        (["Low"], ["Medium", "Low"], 0, "Low"),
    ],
)
def test_severity_level(vulns: list[str], risks: list[str], malware: int, expected: str) -> None:
    assert severity_level(vulns, risks, malware) == expected


def test_severity_level_accepts_generators() -> None:
    assert severity_level((s for s in ["Medium"]), iter(()), 0) == "Medium"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("Critical", "immediate_repair"),
        ("CRITICAL", "immediate_repair"),
        ("high", "immediate_repair"),
        ("Medium", "delay_repair"),
        ("MEDIUM", "delay_repair"),
        ("Low", "not_needed_repair"),
        ("Unknown", "not_needed_repair"),
        ("unknown", "not_needed_repair"),
    ],
)
def test_repair_necessity(severity: str, expected: str) -> None:
    assert repair_necessity(severity) == expected
