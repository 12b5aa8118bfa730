"""PEP 440 ordering: the scheme must order exactly as `packaging.version`, the reference."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from openhss.vulndb.versions import PEP440, InvalidVersion

# Real release histories from PyPI (Django, cryptography, numpy, setuptools, pip), with the
# pre-, post-, dev- and local releases that make PEP 440 hard.
_REAL_TEXT = """
1.11.29 2.0 2.0a1 2.0b1 2.0rc1 2.2.28 3.0 3.0a1 3.2.25 4.0.post1 4.1.dev20220101 4.2rc1 5.0.6 41.0.7
42.0.0 3.4.8 3.3.2 1.26.4 2.0.0b1 2.0.0rc2 1.21.0.dev0 69.0.3 68.2.2 0.6c11 0.6.49 18.5 19.0.3.post1
23.3.2 24.0 1.0+local.1 1.0+local.2 1.0+abc 1!0.1 1.0.post1.dev2 1.0.dev1 1.0a1.dev1
1.0a1.post1.dev1 v1.0 1.0-1 1.0_a1 2012.10 1.0RC1 1.0.0.0.0.1 0.0.0 1.0c1 1.0pre2 1.0-r1 00.01
"""
REAL = _REAL_TEXT.split()

VERSIONS = st.builds(
    lambda epoch, rel, pre, post, dev, local: f"{epoch}{rel}{pre}{post}{dev}{local}",
    st.sampled_from(["", "1!", "0!"]),
    st.lists(st.integers(0, 12).map(str), min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", "a1", "b2", "rc1", "c1", ".pre3", "-alpha", "beta0"]),
    st.sampled_from(["", ".post1", "-1", ".post", "post2", ".rev3"]),
    st.sampled_from(["", ".dev0", ".dev", "dev5"]),
    st.sampled_from(["", "+local", "+1", "+ubuntu.1", "+abc.5", "+abc.a"]),
)


def test_real_versions_match_packaging() -> None:
    rnd = random.Random(440)
    pairs = [(a, b) for a in REAL for b in REAL] + [(rnd.choice(REAL), rnd.choice(REAL)) for _ in range(500)]
    for a, b in pairs:
        va, vb = Version(a), Version(b)
        want = (va > vb) - (va < vb)
        assert PEP440.compare(a, b) == want, (a, b)


@settings(max_examples=1000, deadline=None)
@given(VERSIONS, VERSIONS)
def test_generated_versions_match_packaging(a: str, b: str) -> None:
    va, vb = Version(a), Version(b)
    assert PEP440.compare(a, b) == (va > vb) - (va < vb)


@pytest.mark.parametrize("bad", ["", "junk", "1.0-beta-2-3-4", "1..0", "1.0.final"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        PEP440.parse(bad)
