"""Synthetic OSV advisories and image SBOMs shaped like the real dumps, deterministic from a seed.

Advisories follow the OSV schema as the per-ecosystem `all.zip` dumps publish them: the ecosystem mix
of osv.dev (distributions first, then npm/PyPI/Maven/Go), Zipf-distributed package names so popular
packages carry hundreds of advisories, long version histories and `versions` lists, several affected
entries per record (one per distribution release, one per binary RPM), GHSA/PYSEC/CVE aliases, CVSS
v3/v4 vectors, Debian urgency, Ubuntu priority, and about 1% withdrawn records.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openhss.vulndb.scans import ScannedComponent

# (OSV ecosystem family, share of advisories, distinct packages)
ECOSYSTEMS: tuple[tuple[str, float, int], ...] = (
    ("Debian", 0.20, 9000),
    ("Ubuntu", 0.18, 9000),
    ("Alpine", 0.09, 3500),
    ("Red Hat", 0.07, 3000),
    ("AlmaLinux", 0.03, 3000),
    ("Rocky Linux", 0.03, 3000),
    ("npm", 0.17, 30000),
    ("PyPI", 0.09, 12000),
    ("Maven", 0.05, 6000),
    ("Go", 0.05, 5000),
    ("crates.io", 0.015, 2000),
    ("RubyGems", 0.01, 1500),
    ("Packagist", 0.015, 2500),
)
DEBIAN_RELEASES = ("Debian:11", "Debian:12", "Debian:13")
UBUNTU_RELEASES = ("Ubuntu:20.04:LTS", "Ubuntu:22.04:LTS", "Ubuntu:24.04:LTS", "Ubuntu:Pro:18.04:LTS")
ALPINE_RELEASES = tuple(f"Alpine:v3.{n}" for n in range(14, 22))
CVSS3 = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N",
    "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N",
)
CVSS4 = (
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
)
URGENCY = ("low", "medium", "high", "unimportant", "not yet assigned")
PRIORITY = ("low", "medium", "high", "negligible", "critical")


def _zipf_cdf(n: int, s: float = 1.07) -> list[float]:
    weights = itertools.accumulate(1.0 / (k**s) for k in range(1, n + 1))
    return list(weights)


@dataclass
class Package:
    """A package of one ecosystem family with its release history (oldest first)."""

    family: str
    name: str
    versions: list[str]


def _history(rng: random.Random, family: str, length: int) -> list[str]:
    """A plausible, strictly increasing version history for the family's scheme."""
    out: list[str] = []
    major, minor, patch = rng.randint(0, 3), rng.randint(0, 9), 0
    for _ in range(length):
        roll = rng.random()
        if roll < 0.05:
            major, minor, patch = major + 1, 0, 0
        elif roll < 0.30:
            minor, patch = minor + 1, 0
        else:
            patch += 1
        base = f"{major}.{minor}.{patch}"
        if family == "Debian":
            out.append(f"{base}-{rng.randint(1, 3)}")
        elif family == "Ubuntu":
            out.append(f"{base}-{rng.randint(1, 3)}ubuntu0.{rng.randint(1, 4)}")
        elif family == "Alpine":
            out.append(f"{base}-r{rng.randint(0, 5)}")
        elif family in ("Red Hat", "AlmaLinux", "Rocky Linux"):
            out.append(f"{base}-{rng.randint(1, 20)}.el9_{rng.randint(0, 4)}")
        else:
            out.append(base)
    return out


class Universe:
    """Every package of every ecosystem, with the Zipf popularity advisories and images share."""

    def __init__(self, seed: int, scale: float) -> None:
        self.rng = random.Random(seed)
        self.packages: dict[str, list[Package]] = {}
        self.cdf: dict[str, list[float]] = {}
        for family, _share, count in ECOSYSTEMS:
            n = max(50, int(count * scale))
            pkgs = []
            for i in range(n):
                length = self.rng.randint(8, 40) if i > n // 20 else self.rng.randint(60, 300)
                pkgs.append(Package(family, _name(family, i), _history(self.rng, family, length)))
            self.packages[family] = pkgs
            self.cdf[family] = _zipf_cdf(n)
        # What images install is not what advisories name most (no kernel or browser in a container
        # image): images draw by their own popularity, a fixed shuffle of the packages, so a few of
        # the advisory-heavy packages land among the common ones.
        order = random.Random(seed + 99)
        self.installed_order = {f: order.sample(p, len(p)) for f, p in self.packages.items()}

    def popular(self, family: str, rng: random.Random) -> Package:
        """A package drawn by popularity (rank 1 most likely)."""
        cdf = self.cdf[family]
        return self.packages[family][bisect.bisect_left(cdf, rng.random() * cdf[-1])]

    def installed(self, family: str, rng: random.Random) -> Package:
        """A package drawn by how often images install it."""
        cdf = self.cdf[family]
        return self.installed_order[family][bisect.bisect_left(cdf, rng.random() * cdf[-1])]


def _name(family: str, i: int) -> str:
    if family in ("Debian", "Ubuntu", "Alpine", "Red Hat", "AlmaLinux", "Rocky Linux"):
        return f"lib{i:05d}" if i % 3 else f"pkg{i:05d}"
    if family == "PyPI":
        return f"Py_Pkg.{i:05d}" if i % 7 == 0 else f"py-pkg-{i:05d}"
    if family == "npm":
        return f"@scope{i % 97}/npm-pkg-{i:05d}" if i % 5 == 0 else f"npm-pkg-{i:05d}"
    if family == "Go":
        return "stdlib" if i == 0 else f"github.com/org{i % 311}/mod{i:05d}"
    if family == "Maven":
        return f"org.group{i % 211}:artifact-{i:05d}"
    if family == "Packagist":
        return f"vendor{i % 131}/php-pkg-{i:05d}"
    return f"{family.lower().replace('.', '-')}-pkg-{i:05d}"


def _ranges(rng: random.Random, pkg: Package, kind: str = "ECOSYSTEM") -> tuple[list[dict[str, Any]], str]:
    """A range list over the package's history: 1-4 introduced/fixed pairs, the last maybe open."""
    hist = pkg.versions
    pairs = rng.choice((1, 1, 1, 2, 2, 3, 4))
    points = sorted(rng.sample(range(len(hist)), min(len(hist), pairs * 2)))
    events: list[dict[str, str]] = []
    for j in range(0, len(points) - 1, 2):
        intro = "0" if j == 0 and rng.random() < 0.5 else hist[points[j]]
        events += [{"introduced": intro}, {"fixed": hist[points[j + 1]]}]
    if rng.random() < 0.1 and events:
        events.pop()  # no fix yet
    if not events:
        events = [{"introduced": "0"}]
    out: list[dict[str, Any]] = [{"type": kind, "events": events}]
    if rng.random() < 0.2:
        out.insert(
            0,
            {
                "type": "GIT",
                "repo": f"https://github.com/x/{pkg.name}",
                "events": [{"introduced": "0"}, {"fixed": f"{rng.getrandbits(160):040x}"}],
            },
        )
    fixed = next((e["fixed"] for e in events if "fixed" in e), "")
    return out, fixed


def _affected_versions(pkg: Package, events: list[dict[str, str]]) -> list[str]:
    hist = pkg.versions
    out: list[str] = []
    active = False
    for n, v in enumerate(hist):
        for e in events:
            if e.get("introduced") == v or (n == 0 and e.get("introduced") == "0"):
                active = True
            if e.get("fixed") == v:
                active = False
        if active:
            out.append(v)
    return out


def _time(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"


class AdvisoryGenerator:
    """OSV records for a Universe, in the dump layout (`<ecosystem>/<id>.json`)."""

    def __init__(self, universe: Universe, seed: int) -> None:
        self.u = universe
        self.rng = random.Random(seed)
        self.cve = itertools.count(10000)
        self.serial = itertools.count(1)
        shares = [s for _, s, _ in ECOSYSTEMS]
        self.families = [f for f, _, _ in ECOSYSTEMS]
        self.cum = list(itertools.accumulate(shares))

    def records(self, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """(zip member name, record) for `count` advisories; PYSEC/GHSA pairs count as two."""
        made = 0
        while made < count:
            family = self.families[bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])]
            for record in self.advisory(family, self.u.popular(family, self.rng)):
                yield f"{family}/{record['id']}.json", record
                made += 1

    def advisory(self, family: str, pkg: Package, modified_year: int = 2025) -> list[dict[str, Any]]:
        """The records one vulnerability of `pkg` produces in its family's database."""
        rng = self.rng
        year = rng.randint(2015, 2025)
        cve = f"CVE-{year}-{next(self.cve)}"
        base: dict[str, Any] = {
            "schema_version": "1.7.3",
            "published": _time(rng, year),
            "modified": _time(rng, modified_year),
            "details": f"{pkg.name}: a flaw in parsing untrusted input allows a remote attacker to cause harm. "
            * rng.randint(1, 4),
            "references": [{"type": "ADVISORY", "url": f"https://nvd.nist.gov/vuln/detail/{cve}"}],
        }
        if rng.random() < 0.7:
            sev = [{"type": "CVSS_V3", "score": rng.choice(CVSS3)}]
            if rng.random() < 0.15:
                sev.append({"type": "CVSS_V4", "score": rng.choice(CVSS4)})
            base["severity"] = sev
        if rng.random() < 0.01:
            base["withdrawn"] = _time(rng, modified_year)
        entries: list[dict[str, Any]] = []
        if family in ("Debian", "Ubuntu", "Alpine"):
            releases = {"Debian": DEBIAN_RELEASES, "Ubuntu": UBUNTU_RELEASES, "Alpine": ALPINE_RELEASES}[
                family
            ]
            chosen = rng.sample(releases, rng.randint(1, len(releases)))
            for release in sorted(chosen):
                ranges, _ = _ranges(rng, pkg)
                entry: dict[str, Any] = {
                    "package": {"ecosystem": release, "name": pkg.name},
                    "ranges": ranges,
                }
                if family != "Alpine":
                    entry["versions"] = _affected_versions(pkg, ranges[-1]["events"])
                if family == "Debian":
                    entry["ecosystem_specific"] = {"urgency": rng.choice(URGENCY)}
                entries.append(entry)
            prefix = {"Debian": "DEBIAN", "Ubuntu": "UBUNTU", "Alpine": "ALPINE"}[family]
            if family == "Debian" and rng.random() < 0.15:
                rid, upstream = f"DSA-{next(self.serial)}-1", [cve, f"CVE-{year}-{next(self.cve)}"]
            else:
                rid, upstream = f"{prefix}-{cve}", [cve]
            if family == "Ubuntu":
                base.setdefault("severity", []).append({"type": "Ubuntu", "score": rng.choice(PRIORITY)})
            return [{**base, "id": rid, "upstream": upstream, "affected": entries}]
        if family in ("Red Hat", "AlmaLinux", "Rocky Linux"):
            # one record per erratum, one entry per binary RPM of the source package
            prefix = {"Red Hat": "RHSA", "AlmaLinux": "ALSA", "Rocky Linux": "RLSA"}[family]
            eco = {
                "Red Hat": "Red Hat:enterprise_linux:9::appstream",
                "AlmaLinux": "AlmaLinux:9",
                "Rocky Linux": "Rocky Linux:9",
            }[family]
            fixed = rng.choice(pkg.versions[1:] or pkg.versions)
            names = [pkg.name] + [f"{pkg.name}-{s}" for s in ("devel", "libs", "debuginfo", "tools", "doc")]
            for name in names[: rng.randint(1, 6)]:
                entries.append(
                    {
                        "package": {"ecosystem": eco, "name": name},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
                    }
                )
            rid = f"{prefix}-{year}:{next(self.serial):05d}"
            return [{**base, "id": rid, "upstream": [cve], "affected": entries}]
        kind = (
            "SEMVER"
            if family in ("Go", "crates.io") or (family == "npm" and rng.random() < 0.3)
            else "ECOSYSTEM"
        )
        ranges, _ = _ranges(rng, pkg, kind)
        entry = {"package": {"ecosystem": family, "name": pkg.name}, "ranges": ranges}
        entry["versions"] = _affected_versions(pkg, ranges[-1]["events"])
        entries.append(entry)
        if rng.random() < 0.08:
            # the same vulnerability in a second package of the ecosystem
            other = self.u.popular(family, rng)
            ranges2, _ = _ranges(rng, other, kind)
            entries.append({"package": {"ecosystem": family, "name": other.name}, "ranges": ranges2})
        ghsa = "GHSA-" + "-".join(f"{rng.getrandbits(20):04x}"[:4] for _ in range(3))
        if family == "npm" and rng.random() < 0.25:
            mal = {
                **base,
                "id": f"MAL-{year}-{next(self.serial)}",
                "summary": f"Malicious code in {pkg.name}",
            }
            mal["affected"] = [
                {"package": entry["package"], "versions": entry["versions"] or pkg.versions[-2:]}
            ]
            return [mal]
        if family == "PyPI":
            pysec = f"PYSEC-{year}-{next(self.serial)}"
            return [
                {**base, "id": ghsa, "aliases": [cve, pysec], "affected": entries},
                {**base, "id": pysec, "aliases": [cve, ghsa], "affected": entries},
            ]
        if family == "Go":
            go = f"GO-{year}-{next(self.serial):04d}"
            return [{**base, "id": go, "aliases": [cve, ghsa], "affected": entries}]
        return [{**base, "id": ghsa, "aliases": [cve], "affected": entries}]


def write_zip(path: Path, records: Iterator[tuple[str, dict[str, Any]]]) -> int:
    """Write records as an OSV `all.zip` (one JSON file per record); returns how many."""
    n = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for member, record in records:
            z.writestr(member.split("/", 1)[1], json.dumps(record, indent=1))
            n += 1
    return n


def image_components(
    universe: Universe,
    rng: random.Random,
    deb: int = 400,
    pypi: int = 300,
    npm: int = 300,
    release: str = "12",
) -> tuple[ScannedComponent, ...]:
    """One image's SBOM: `deb` packages of one Debian release, `pypi` PyPI and `npm` npm packages."""
    out: list[ScannedComponent] = []
    for family, purl_type, count in (("Debian", "deb", deb), ("PyPI", "pypi", pypi), ("npm", "npm", npm)):
        seen: set[str] = set()
        while len(seen) < count:
            pkg = universe.installed(family, rng)
            if pkg.name in seen:
                if len(seen) >= len(universe.packages[family]):
                    break
                continue
            seen.add(pkg.name)
            # most installed versions are the newest, the rest lag behind by a few releases
            lag = 0 if rng.random() < 0.6 else int(len(pkg.versions) * rng.random() ** 3)
            version = pkg.versions[-1 - lag]
            distro = f"debian:{release}" if purl_type == "deb" else ""
            if purl_type == "deb":
                version = f"{version}+deb{release}u1" if rng.random() < 0.1 else version
            out.append(
                ScannedComponent(
                    name=pkg.name,
                    version=version,
                    ecosystem=purl_type,
                    purl=f"pkg:{purl_type}/{pkg.name}@{version}",
                    path="var/lib/dpkg/status" if purl_type == "deb" else f"app/{pkg.name}",
                    layer="sha256:" + "0" * 64,
                    distro=distro,
                )
            )
    return tuple(out)
