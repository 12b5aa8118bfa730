"""apk ordering against apk-tools' own test table (test/version.data) and Alpine's suffix rules."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from openhss.vulndb.versions import APK, InvalidVersion

_DATA = Path(__file__).parent / "data" / "apk-version.data"
_OPS = {"<": -1, "=": 0, ">": 1}


def _cases() -> list[tuple[str, str, int]]:
    out = []
    for line in _DATA.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            a, op, b = line.split()
            out.append((a, b, _OPS[op]))
    return out


CASES = _cases()


def test_table_is_loaded() -> None:
    assert len(CASES) > 600


@pytest.mark.parametrize(("a", "b", "want"), CASES)
def test_apk_tools_table(a: str, b: str, want: int) -> None:
    assert APK.compare(a, b) == want
    assert APK.compare(b, a) == -want


def test_suffix_order() -> None:
    order = [
        "1.1_alpha",
        "1.1_alpha1",
        "1.1_alpha2",
        "1.1_beta",
        "1.1_pre1",
        "1.1_rc1",
        "1.1",
        "1.1-r1",
        "1.1_cvs1",
        "1.1_svn",
        "1.1_git20230101",
        "1.1_hg1",
        "1.1_p1",
        "1.1_p1-r1",
        "1.1_p2",
        "1.1a",
        "1.1b",
        "1.1.1",
        "1.2",
    ]
    keys = [APK.parse(v) for v in order]
    assert all(x < y for x, y in itertools.pairwise(keys)), order


def test_zero_component_quirk_is_kept() -> None:
    # apk-tools 2.x reads a component of zeros as its own token, so after "X.0" a suffix no
    # longer counts as a pre-release against the bare "X.0": apk itself says 1.0_rc1 > 1.0.
    # We order as apk does, as the Go ports of version.c do.
    assert APK.compare("1.0_rc1", "1.0") == 1
    assert APK.compare("1.0_rc1", "1.0.1") == -1
    assert APK.compare("1.10_rc1", "1.10") == -1


def test_real_alpine_versions() -> None:
    # From Alpine 3.19 secdb fixed versions and installed packages.
    assert APK.compare("3.1.4-r5", "3.1.4-r6") == -1
    assert APK.compare("1.36.1-r15", "1.36.1-r2") == 1
    assert APK.compare("2.40.0-r0", "2.40.0_rc1-r0") == 1
    assert APK.compare("1.2.4_git20230717-r4", "1.2.4-r4") == 1
    assert APK.compare("0.1.1_alpha20220105-r0", "0.1.1-r0") == -1


@pytest.mark.parametrize("bad", ["", "r1", "_p1"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        APK.parse(bad)
