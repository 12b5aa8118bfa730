"""The values that flow out of `scan/`, and the analyzer contract every cataloger and detector follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar


class ScanError(Exception):
    """An image could not be scanned; `reason` is one of the provider's scan_failed_desc values."""

    def __init__(self, message: str, reason: str = "unknown_error") -> None:
        super().__init__(message)
        self.reason = reason


class HugeImageError(ScanError):
    """A configured limit (image size, file count, bytes per file) was crossed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="huge_image")


@dataclass(frozen=True)
class LayerFile:
    """One regular file as it stands in one layer, handed to the analyzers that claim it."""

    path: str
    """Normalised path inside the image, relative, no leading slash: `var/lib/dpkg/status`."""
    layer: str
    """Digest of the (uncompressed) layer the file comes from: `sha256:<hex>`.

    While a layer streams past its digest is not known yet, so this holds a placeholder; when the layer
    ends, findings that are dataclasses with a `layer` field equal to it get the real digest."""
    size: int
    """Size in bytes as recorded in the layer."""
    mode: int
    """Permission bits (including setuid/setgid), as recorded in the layer."""
    content: bytes
    """The file's bytes (never more than the configured per-file limit)."""


@dataclass(frozen=True)
class Component:
    """One software component (an OS or language package) found in an image."""

    name: str
    """The package name as its ecosystem spells it (`libssl3`, `requests`, `@babel/core`)."""
    version: str
    """The installed version, exactly as the package database records it."""
    ecosystem: str
    """Package type, as in purl: deb, apk, rpm, pypi, npm, golang, maven, gem, composer, cargo, nuget."""
    purl: str
    """Package URL (https://github.com/package-url/purl-spec)."""
    path: str
    """The file it was found in; for nested archives `outer.war!WEB-INF/lib/inner.jar`."""
    layer: str = ""
    """Digest of the layer that introduced it."""
    source_name: str = ""
    """OS packages: the source package (advisories are keyed by it); empty when the same as name."""
    source_version: str = ""
    """OS packages: the source version (differs on binNMU `+b1`); empty when the same as version."""
    distro: str = ""
    """OS packages: the distribution release, `debian:12`, `alpine:3.19`, `rhel:9`."""
    licenses: tuple[str, ...] = ()
    """Declared licenses, when the package database records them."""


@dataclass(frozen=True)
class Distro:
    """The operating system of an image, from `etc/os-release` (or the distribution's own file)."""

    id: str
    """os-release ID: debian, ubuntu, alpine, rhel, almalinux, rocky, openeuler, ..."""
    version_id: str
    """os-release VERSION_ID: `12`, `22.04`, `3.19.1`."""
    pretty_name: str = ""
    """os-release PRETTY_NAME."""


@dataclass(frozen=True)
class UnsafeSetting:
    """One failed baseline check (the provider's unsafe setting)."""

    check_id: str
    """Stable id of the check, e.g. `ACCT-DUP-UID`."""
    check_name: str
    """The concern (the provider's check_name), e.g. `account_files`."""
    title: str
    """One line saying what is wrong."""
    risk_level: str
    """High, Medium or Low."""
    path: str
    """File with the evidence."""
    line: int
    """1-based line in that file (0 when not line-bound)."""
    account: str
    """Account or group the finding is about (empty when none)."""
    fix: str
    """How to fix it."""


@dataclass(frozen=True)
class BuildRisk:
    """A build-time risk, Dockle style; reported apart and not counted as an unsafe setting."""

    check_id: str
    """Stable id, e.g. `BUILD-ROOT-USER`."""
    title: str
    """One line saying what is wrong."""
    risk_level: str
    """High, Medium or Low."""
    evidence: str
    """What was seen (a path, a history line, an ENV name: never a secret's value)."""


@dataclass(frozen=True)
class MaliciousFile:
    """A file a malware rule, hash list or ClamAV matched."""

    path: str
    """Path inside the image."""
    layer: str
    """Layer digest the file comes from."""
    rule: str
    """Rule or signature name."""
    family: str
    """webshell, reverse_shell, miner, test_file, dropper, known_malware, ..."""
    sha256: str
    """Hex SHA-256 of the file."""
    engine: str = "yara"
    """yara, hash or clamav."""


@dataclass(frozen=True)
class VulnerabilityFinding:
    """A known vulnerability of one component (added by the vulnerability knowledge, not by scan/)."""

    id: str
    """Advisory id (`GHSA-...`, `DSA-...`, `PYSEC-...`)."""
    aliases: tuple[str, ...]
    """Other ids of the same vulnerability (CVE ids among them)."""
    severity: str
    """Critical, High, Medium, Low or Unknown."""
    package: str
    """Component name."""
    installed_version: str
    """Installed version."""
    fixed_version: str
    """First fixed version, empty when none is known."""
    ecosystem: str
    """The component's purl type."""
    path: str
    """File the component was found in."""
    layer: str
    """Layer that introduced the component."""
    summary: str = ""
    """One line about the vulnerability."""
    repair_necessity: str = ""
    """The provider's word: immediate_repair (Critical/High), delay_repair (Medium), not_needed_repair."""


@dataclass(frozen=True)
class ImageConfig:
    """What the image config says about the image."""

    image_id: str
    """Config digest `sha256:<hex>`: the image ID, the same wherever the image is."""
    os: str = ""
    """Target OS (linux)."""
    architecture: str = ""
    """Target architecture (amd64, arm64)."""
    created: str = ""
    """RFC 3339 creation time, as recorded."""
    user: str = ""
    """Configured user (empty means root)."""
    env: tuple[str, ...] = ()
    """`NAME=value` entries."""
    exposed_ports: tuple[str, ...] = ()
    """`80/tcp`, ..."""
    entrypoint: tuple[str, ...] = ()
    """Entrypoint argv."""
    cmd: tuple[str, ...] = ()
    """Cmd argv."""
    labels: tuple[tuple[str, str], ...] = ()
    """Image labels, sorted by name."""
    history: tuple[str, ...] = ()
    """`created_by` of each history entry, oldest first."""
    healthcheck: tuple[str, ...] = ()
    """Healthcheck test argv (empty when none)."""
    diff_ids: tuple[str, ...] = ()
    """Uncompressed layer digests, bottom first."""
    repo_tags: tuple[str, ...] = ()
    """Tags the archive records for the image (docker-archive manifest, OCI ref annotation)."""


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan of one image found."""

    config: ImageConfig
    """The image's config."""
    distro: Distro | None
    """Operating system, when one is recognised."""
    components: tuple[Component, ...]
    """Software components (the SBOM), sorted by ecosystem, name, version, path."""
    unsafe_settings: tuple[UnsafeSetting, ...] = ()
    """Failed baseline checks."""
    build_risks: tuple[BuildRisk, ...] = ()
    """Build-time risks (not counted as unsafe settings)."""
    malicious_files: tuple[MaliciousFile, ...] = ()
    """Malware findings."""
    vulnerabilities: tuple[VulnerabilityFinding, ...] = ()
    """Known vulnerabilities of the components (empty until matched against a knowledge base)."""
    size: int = 0
    """Sum of the uncompressed layer sizes, bytes."""
    files: int = 0
    """Regular files seen over all layers."""
    notes: tuple[str, ...] = field(default=())
    """Things worth telling the user that are not findings (skipped entries, unreadable files)."""


T = TypeVar("T")


@dataclass(frozen=True)
class PathFilter:
    """Files an analyzer may claim, declared so one walk asks `claims()` only of candidates.

    A file is a candidate when any field matches it; the filter must admit every file `claims()`
    accepts (it may admit more: `claims()` still decides)."""

    names: frozenset[str] = frozenset()
    """File names (the last path component), exact: `status`, `package.json`."""
    extensions: frozenset[str] = frozenset()
    """What follows the name's last dot, lower-cased: `jar`, `egg-info`."""
    directories: frozenset[str] = frozenset()
    """Parent directories, exact, normalised: `var/lib/dpkg/status.d`."""
    executables: bool = False
    """Files with an execute bit, or below a `bin` or `sbin` directory."""
    mode_bits: int = 0
    """Files with any of these permission bits set: `0o6000` for setuid or setgid files."""
    prefixes: tuple[str, ...] = ()
    """Path prefixes, as plain string prefixes: `tmp/`, `var/lib/tomcat` (any file under them)."""


class Analyzer(ABC, Generic[T]):
    """Claims files by path (and mode/size) and turns each claimed file into findings.

    One walk over the layers hands every file to the analyzers that claim it; an analyzer never
    reads the image itself. Results are kept per path, so a file overwritten or deleted in a later
    layer takes its findings with it.
    """

    name: ClassVar[str]
    """Short unique name, e.g. `dpkg`."""

    @abstractmethod
    def claims(self, path: str, mode: int, size: int) -> bool:
        """Whether this analyzer wants the file at `path` (cheap: no content)."""

    def path_filter(self) -> PathFilter | None:
        """Which files `claims()` could accept; None (the default) asks it of every file."""
        return None

    @abstractmethod
    def analyze(self, file: LayerFile) -> Sequence[T]:
        """Findings in one file; raise nothing for malformed content, return what can be read."""


class Cataloger(Analyzer[Component]):
    """An analyzer that finds software components."""

    ecosystem: ClassVar[str]
    """The purl type of what it finds."""
