"""rpm ordering against rpm's own `rpm.vercmp` (Lua, EVR-aware) and rpmvercmp's documented cases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import RPM, InvalidVersion

from .reference import rpm_compare
from .strategies import BATCH, NO_SHRINK, RPM_PAIRS

# From rpm's tests/rpmvercmp.at.
_CASES = """
1.0 1.0 0
1.0 2.0 -1
2.0 1.0 1
2.0.1 2.0.1 0
2.0 2.0.1 -1
2.0.1 2.0 1
2.0.1a 2.0.1a 0
2.0.1a 2.0.1 1
2.0.1 2.0.1a -1
5.5p1 5.5p1 0
5.5p1 5.5p2 -1
5.5p2 5.5p1 1
5.5p10 5.5p10 0
5.5p1 5.5p10 -1
5.5p10 5.5p1 1
10xyz 10.1xyz -1
10.1xyz 10xyz 1
xyz10 xyz10 0
xyz10 xyz10.1 -1
xyz10.1 xyz10 1
xyz.4 xyz.4 0
xyz.4 8 -1
8 xyz.4 1
xyz.4 2 -1
2 xyz.4 1
5.5p2 5.6p1 -1
5.6p1 5.5p2 1
5.6p1 6.5p1 -1
6.5p1 5.6p1 1
6.0.rc1 6.0 1
6.0 6.0.rc1 -1
10b2 10a1 1
10a2 10b2 -1
1.0aa 1.0aa 0
1.0a 1.0aa -1
1.0aa 1.0a 1
10.0001 10.0001 0
10.0001 10.1 0
10.1 10.0001 0
10.0001 10.0039 -1
10.0039 10.0001 1
4.999.9 5.0 -1
5.0 4.999.9 1
20101121 20101121 0
20101121 20101122 -1
20101122 20101121 1
2_0 2_0 0
2.0 2_0 0
2_0 2.0 0
a a 0
a+ a+ 0
a+ a_ 0
a_ a+ 0
+a +a 0
+a _a 0
_a +a 0
+_ +_ 0
_+ +_ 0
_+ _+ 0
+ _ 0
_ + 0
1.0~rc1 1.0~rc1 0
1.0~rc1 1.0 -1
1.0 1.0~rc1 1
1.0~rc1 1.0~rc2 -1
1.0~rc2 1.0~rc1 1
1.0~rc1~git123 1.0~rc1~git123 0
1.0~rc1~git123 1.0~rc1 -1
1.0~rc1 1.0~rc1~git123 1
1.0^ 1.0^ 0
1.0^ 1.0 1
1.0 1.0^ -1
1.0^git1 1.0^git1 0
1.0^git1 1.0 1
1.0 1.0^git1 -1
1.0^git1 1.0^git2 -1
1.0^git2 1.0^git1 1
1.0^git1 1.01 -1
1.01 1.0^git1 1
1.0^20160101 1.0^20160101 0
1.0^20160101 1.0.1 -1
1.0.1 1.0^20160101 1
1.0^20160101^git1 1.0^20160101^git1 0
1.0^20160102 1.0^20160101^git1 1
1.0^20160101^git1 1.0^20160102 -1
1.0~rc1^git1 1.0~rc1^git1 0
1.0~rc1^git1 1.0~rc1 1
1.0~rc1 1.0~rc1^git1 -1
1.0^git1~pre 1.0^git1~pre 0
1.0^git1 1.0^git1~pre 1
1.0^git1~pre 1.0^git1 -1
"""
RPMVERCMP_CASES = [(a, b, int(w)) for a, b, w in (line.split() for line in _CASES.strip().splitlines())]


@pytest.mark.parametrize(("a", "b", "want"), RPMVERCMP_CASES)
def test_rpmvercmp_cases(a: str, b: str, want: int) -> None:
    # These are version strings without release: '-' never appears in them.
    assert RPM.compare(a, b) == want


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("1:1.0-1", "2.0-1", 1),
        ("0:1.0-1", "1.0-1", 0),
        ("1.0-1.el8", "1.0-1.el8_2", -1),
        ("2.17-326.el7_9", "2.17-326.el7_9.3", -1),
        ("1.0-1", "1.0", 1),
        ("3.0.7-25.el9_3", "3.0.7-24.el9", 1),
        ("1.0-a-1", "1.0-a-2", -1),
        ("1.0", "1.0-~1", -1),
        ("1.0", "1.0-", -1),
        ("1.0-", "1.0-~1", 1),
    ],
)
def test_evr(a: str, b: str, want: int) -> None:
    assert RPM.compare(a, b) == want


@pytest.mark.parametrize("bad", ["", "x:1.0", "1.0 1", "1:-1"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        RPM.parse(bad)


def test_cases_agree_with_rpm() -> None:
    pairs = [(a, b) for a, b, _ in RPMVERCMP_CASES]
    assert rpm_compare(pairs) == [want for _, _, want in RPMVERCMP_CASES]
    evr = [("1.0", "1.0-~1"), ("1.0", "1.0-"), ("1.0-", "1.0-~1"), ("1:1.0-1", "2.0-1"), ("0:1.0", "1.0")]
    assert [RPM.compare(a, b) for a, b in evr] == rpm_compare(evr)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(RPM_PAIRS, min_size=BATCH, max_size=BATCH))
def test_agrees_with_rpm(pairs: list[tuple[str, str]]) -> None:
    want = rpm_compare(pairs)
    got = [RPM.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []
