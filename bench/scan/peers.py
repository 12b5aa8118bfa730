"""Running each tool as a measured child process, and reading what it found as normalised package keys.

A key is `type/namespace/name@version` from the purl, qualifiers dropped except the epoch, which
Trivy and OpenHSS both carry as a qualifier and which is part of the version everywhere else.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packageurl import PackageURL

ECOSYSTEMS = ("deb", "rpm", "apk", "pypi", "npm", "golang", "maven", "gem", "composer", "cargo", "nuget")


@dataclass(frozen=True)
class Run:
    """One measured child process."""

    seconds: float
    """Wall time."""
    cpu_seconds: float
    """User + system CPU time of the child and the descendants it waited for (steadier on a busy machine)."""
    peak_kib: int
    """Peak resident memory of the child and the descendants it waited for (ru_maxrss)."""
    returncode: int
    """Exit status."""
    stdout: str
    """What it printed (stderr goes to a log file beside the output)."""


def measure(
    argv: Sequence[str | Path], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Run:
    """Runs `argv`, timing it and reading its own rusage with wait4 (not the whole bench's)."""
    started = time.perf_counter()
    with log.open("w") as err:
        child = subprocess.Popen(
            [str(a) for a in argv], stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd, text=True
        )
        assert child.stdout is not None
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), child.returncode, out)


def empty_trivy_java_db(cache: Path) -> None:
    """An empty trivy-java-db (its schema 1) in a Trivy cache dir.

    Trivy refuses to analyse jars until it has downloaded its Java DB once (it looks jars up by
    SHA-1 there); offline it cannot. An empty DB makes it read jars the way OpenHSS does: from
    pom.properties, the manifest and the file name.
    """
    directory = cache / "java-db"
    directory.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(directory / "trivy-java.db")
    connection.executescript(
        "CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);"
        "CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT,"
        " FOREIGN KEY (artifact_id) REFERENCES artifacts(id));"
        "CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);"
        "CREATE INDEX indices_artifact_idx ON indices(artifact_id);"
        "CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);"
    )
    connection.commit()
    connection.close()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    metadata = {"Version": 1, "NextUpdate": "2099-01-01T00:00:00Z", "UpdatedAt": now, "DownloadedAt": now}
    (directory / "metadata.json").write_text(json.dumps(metadata))


def key_of(purl: str) -> str | None:
    """`pkg:deb/debian/zlib1g@1.2.13.dfsg-1?epoch=1&arch=amd64` -> `deb/debian/zlib1g@1:1.2.13.dfsg-1`."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    if parsed.type not in ECOSYSTEMS or not parsed.version:
        return None
    qualifiers = parsed.qualifiers if isinstance(parsed.qualifiers, dict) else {}
    version = parsed.version
    epoch = qualifiers.get("epoch", "")
    if epoch and epoch != "0" and not re.match(r"^\d+:", version):
        version = f"{epoch}:{version}"
    if parsed.type == "golang" and parsed.name == "stdlib" and not parsed.namespace:
        # Go writes the toolchain as `go1.19.8`, Trivy as `v1.19.8`.
        version = re.sub(r"^(go|v)", "", version)
    namespace = (parsed.namespace or "").lower()
    name = parsed.name.lower()
    if parsed.type == "pypi":
        name = re.sub(r"[-_.]+", "-", name)
    return f"{parsed.type}/{namespace + '/' if namespace else ''}{name}@{version}"


def cyclonedx_keys(path: Path) -> tuple[set[str], set[str]]:
    """Every component purl of a CycloneDX document (nested ones included), and apart those tagged `source`.

    cdxgen lists each Debian source package beside the binary packages, tagged `source`.
    """
    document = json.loads(path.read_text())
    found: set[str] = set()
    sources: set[str] = set()

    def walk(components: Iterable[Any]) -> None:
        for component in components:
            if not isinstance(component, dict):
                continue
            key = key_of(component.get("purl", "") or "")
            if key:
                (sources if "source" in (component.get("tags") or []) else found).add(key)
            walk(component.get("components", []) or [])

    walk(document.get("components", []) or [])
    metadata_component = (document.get("metadata") or {}).get("component") or {}
    walk(metadata_component.get("components", []) or [])
    return found, sources


def openhss_keys(document: dict[str, Any]) -> set[str]:
    """Component purls of `openhss scan --format json`."""
    return {k for c in document.get("components", []) if (k := key_of(c.get("purl", "")))}


def openhss_source_keys(document: dict[str, Any]) -> set[str]:
    """The source package of each OS package of `openhss scan --format json` (itself when the same)."""
    found = set()
    for component in document.get("components", []):
        key = key_of(component.get("purl", ""))
        if key is None or component.get("ecosystem") not in ("deb", "rpm", "apk"):
            continue
        name = component.get("source_name") or component["name"]
        version = component.get("source_version") or component["version"]
        found.add(f"{key.rsplit('/', 1)[0]}/{name.lower()}@{version}")
    return found


def ecosystem_of(key: str) -> str:
    return key.split("/", 1)[0]


def name_of(key: str) -> str:
    return key.rsplit("@", 1)[0]


# ---- each ecosystem's own tool, run on the unpacked merged root filesystem ----


def dpkg_keys(rootfs: Path) -> set[str]:
    admindir = rootfs / "var/lib/dpkg"
    if not (admindir / "status").exists():
        return set()
    out = subprocess.run(
        ["dpkg-query", f"--admindir={admindir}", "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\n"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {
        f"deb/debian/{name.lower()}@{version}"
        for name, version, status in (line.split(" ", 2) for line in out.splitlines())
        if status.strip() == "ii"
    }


def rpm_keys(rootfs: Path) -> set[str]:
    dbpath = rootfs / "var/lib/rpm"
    if not dbpath.is_dir() or not any(dbpath.iterdir()):
        return set()
    out = subprocess.run(
        ["rpm", "-qa", "--dbpath", str(dbpath), "--qf", "%{NAME} %{EPOCH} %{VERSION}-%{RELEASE} %{VENDOR}\n"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = set()
    for line in out.splitlines():
        name, epoch, version, _vendor = line.split(" ", 3)
        version = version if epoch == "(none)" else f"{epoch}:{version}"
        # The bench's packages say Rocky in VENDOR; the namespace is only compared by name below.
        found.add(f"rpm/rocky/{name.lower()}@{version}")
    return found


def pip_keys(rootfs: Path) -> set[str]:
    """`pip inspect --path` over every directory holding installed distributions."""
    sites = sorted(
        {str(p.parent) for p in rootfs.rglob("*.dist-info")}
        | {str(p.parent) for p in rootfs.rglob("*.egg-info")}
    )
    if not sites:
        return set()
    found = set()
    # One site at a time: over several paths pip shows only the first distribution of each name.
    for site in sites:
        argv = ["/work/venv/bin/pip", "inspect", "--disable-pip-version-check", "--path", site]
        document = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
        for installed in document.get("installed", []):
            metadata = installed.get("metadata", {})
            name = re.sub(r"[-_.]+", "-", metadata.get("name", "").lower())
            found.add(f"pypi/{name}@{metadata.get('version', '')}")
    return found


def npm_keys(rootfs: Path) -> set[str]:
    """`npm ls --all --json` in every project directory (a `node_modules` not inside another)."""
    found: set[str] = set()
    projects = sorted(
        p.parent for p in rootfs.rglob("node_modules") if p.is_dir() and "node_modules" not in p.parent.parts
    )
    for project in projects:
        done = subprocess.run(["npm", "ls", "--all", "--json"], cwd=project, capture_output=True, text=True)
        tree = json.loads(done.stdout or "{}")

        def walk(dependencies: dict[str, Any]) -> None:
            for name, info in dependencies.items():
                if isinstance(info, dict) and info.get("version"):
                    found.add(f"npm/{name.lower()}@{info['version']}")
                    walk(info.get("dependencies", {}) or {})

        walk(tree.get("dependencies", {}) or {})
    return found


def go_keys(rootfs: Path) -> set[str]:
    """`go version -m` over the whole tree (it reads every Go executable it finds)."""
    done = subprocess.run(["go", "version", "-m", str(rootfs)], capture_output=True, text=True)
    found = set()
    last = ""
    for line in done.stdout.splitlines():
        fields = line.strip().split("\t")
        if fields[0] in ("mod", "dep", "=>") and len(fields) >= 3:
            if fields[0] == "=>":
                # A replaced module is built from the replacement; the original is not in the binary.
                found.discard(last)
            last = f"golang/{fields[1].lower()}@{fields[2]}"
            found.add(last)
        elif line and not line.startswith("\t") and ": go" in line:
            found.add(f"golang/stdlib@{line.rsplit(': ', 1)[1].strip().removeprefix('go')}")
    return found


def native_keys(rootfs: Path) -> set[str]:
    """What each ecosystem's own tool lists in the merged tree."""
    return dpkg_keys(rootfs) | rpm_keys(rootfs) | pip_keys(rootfs) | npm_keys(rootfs) | go_keys(rootfs)
