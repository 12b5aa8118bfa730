"""dpkg ordering against `dpkg --compare-versions` and the rules of deb-version(7)."""

from __future__ import annotations

import itertools
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import DPKG, InvalidVersion

from .reference import dpkg_compare, dpkg_valid, need
from .strategies import BATCH, DPKG_PAIRS, NEAR_DPKG, NO_SHRINK

ORDERED = [
    "0~~",
    "0~~a",
    "0~",
    "0",
    "0-0.1",
    "0a",
    "0+",
    "0.1~rc1",
    "0.1",
    "1.0~beta1~svn1245",
    "1.0~beta1",
    "1.0",
    "1.0-1~bpo1",
    "1.0-1",
    "1.0-1ubuntu1",
    "1.0-1+b1",
    "1.0a",
    "1.0+dfsg-1",
    "1.0.0",
    "1.2.3",
    "1.10",
    "1:0.1",
    "2:0",
]


def test_known_order() -> None:
    keys = [DPKG.parse(v) for v in ORDERED]
    for i in range(len(keys) - 1):
        assert keys[i] < keys[i + 1], (ORDERED[i], ORDERED[i + 1])


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.0", "1.0-0"), ("0:1.0", "1.0"), ("1.01", "1.1"), ("1.0-00", "1.0"), ("1.00a", "1.0a")],
)
def test_equal(a: str, b: str) -> None:
    assert DPKG.compare(a, b) == 0


@pytest.mark.parametrize(
    "bad", ["", "a:1.0", ":1.0", "1.0-", "1 0", "-1", "1.0_1", "99999999999:1", "-1:1.0", "++1:1"]
)
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        DPKG.parse(bad)


def test_every_embedded_whitespace_character_is_refused_as_a_space() -> None:
    # The check is a regex (`\\s`); dpkg refuses any isspace() character inside a version.
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    assert len(spaces) > 20
    for c in spaces:
        with pytest.raises(InvalidVersion, match="embedded space"):
            DPKG.parse(f"1.0{c}1-1")


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(DPKG_PAIRS, min_size=BATCH, max_size=BATCH))
def test_agrees_with_dpkg(pairs: list[tuple[str, str]]) -> None:
    want = dpkg_compare(pairs)
    got = [DPKG.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []


def test_installed_packages_sort_as_dpkg_sorts_them() -> None:
    need("dpkg-query")
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}\\n"], capture_output=True, text=True, check=True
    )
    versions = sorted(set(out.stdout.split()))
    ordered = sorted(versions, key=DPKG.parse)
    pairs = list(itertools.pairwise(ordered))
    pairs += list(zip(versions, reversed(versions), strict=False))[:200]
    want = dpkg_compare(pairs)
    got = [DPKG.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []


def _upstream(v: str) -> str:
    return v.split(":", 1)[1] if ":" in v else v


@pytest.mark.slow
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(NEAR_DPKG, min_size=BATCH * 8, max_size=BATCH * 8))
def test_accepts_all_dpkg_accepts_and_refuses_only_what_it_refuses(versions: list[str]) -> None:
    # dpkg --validate-version also refuses an upstream not starting with a digit, which dpkg
    # --compare-versions still orders (with a warning); we order those too.  Everything else agrees.
    want = dpkg_valid(versions)
    got = [DPKG.is_valid(v) for v in versions]
    assert [
        (v, g, w)
        for v, g, w in zip(versions, got, want, strict=True)
        if g != w and not (g and not _upstream(v)[:1].isdigit())
    ] == []


def test_signed_epochs_as_dpkg_reads_them() -> None:
    assert DPKG.compare("+8:1.0", "8:1.0") == 0
    assert DPKG.compare("-0:1.0", "1.0") == 0
    assert dpkg_valid(["+8:1.0", "-0:1.0", "-1:1.0"]) == [
        DPKG.is_valid(v) for v in ("+8:1.0", "-0:1.0", "-1:1.0")
    ]
