"""Real version lists found on this machine, ordered by each scheme and by the ecosystem's own tool."""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.version import InvalidVersion as PackagingInvalid
from packaging.version import Version

from openhss.vulndb.versions import MAVEN, PEP440, RUBYGEMS, SEMVER, VersionScheme

from .reference import maven_compare, need, ruby_compare, semver_compare

pytestmark = pytest.mark.slow


def _pairs(scheme: VersionScheme, versions: set[str], extra: int = 1500) -> list[tuple[str, str]]:
    """Neighbours in our order (where a wrong order shows first) plus random pairs."""
    ordered = sorted(versions, key=scheme.parse)
    rnd = random.Random(len(versions))
    listed = sorted(versions)
    return list(itertools.pairwise(ordered)) + [
        (rnd.choice(listed), rnd.choice(listed)) for _ in range(extra)
    ]


def _disagreements(
    scheme: VersionScheme, pairs: list[tuple[str, str]], want: list[int | None]
) -> list[object]:
    return [(a, b, w) for (a, b), w in zip(pairs, want, strict=True) if scheme.compare(a, b) != w]


def test_maven_repo_versions() -> None:
    repo = Path("/usr/share/maven-repo")
    versions = {pom.parent.name for pom in repo.glob("**/*.pom")} if repo.is_dir() else set()
    if len(versions) < 10:
        pytest.skip("no Debian maven-repo with versions on this machine")
    versions |= {"1.0-SNAPSHOT", "1.0.0.RELEASE", "2.0.0.Final", "1.0-alpha-1", "3.0.0-M1", "1.0.0.CR1"}
    pairs = _pairs(MAVEN, versions)
    assert _disagreements(MAVEN, pairs, list(maven_compare(pairs))) == []


def test_installed_gem_versions() -> None:
    gem = need("gem")
    out = subprocess.run([gem, "list", "--local"], capture_output=True, text=True, check=True).stdout
    versions = set(re.findall(r"\b\d+(?:\.[0-9A-Za-z]+)+\b", out))
    versions |= {"1.0.0.pre", "1.0.0.rc1", "1.0.0.beta.2", "2.0.0.alpha", "1.0.0-x", "0.9.12.1"}
    pairs = _pairs(RUBYGEMS, versions)
    assert _disagreements(RUBYGEMS, pairs, list(ruby_compare(pairs))) == []


def test_npm_installed_package_versions(npm_semver_module: Path) -> None:
    versions: set[str] = set()
    for manifest in Path("/usr/lib/node_modules").glob("**/package.json"):
        try:
            v = json.loads(manifest.read_text()).get("version")
        except (ValueError, OSError):
            continue
        if isinstance(v, str) and SEMVER.is_valid(v):
            versions.add(v)
    if len(versions) < 10:
        pytest.skip("no npm packages installed on this machine")
    versions |= {"1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-rc.1", "0.0.0-20240101", "1.0.0-0"}
    pairs = _pairs(SEMVER, versions)
    assert _disagreements(SEMVER, pairs, semver_compare(npm_semver_module, pairs)) == []


def test_installed_python_distribution_versions() -> None:
    versions = set()
    for dist in metadata.distributions():
        try:
            Version(dist.version)
        except PackagingInvalid:
            continue
        versions.add(dist.version)
    pairs = _pairs(PEP440, versions)
    want = [(Version(a) > Version(b)) - (Version(a) < Version(b)) for a, b in pairs]
    assert _disagreements(PEP440, pairs, list(want)) == []
