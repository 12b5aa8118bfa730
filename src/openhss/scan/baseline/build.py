"""Build-time risks, Dockle style: what the image config, its history and a few kinds of files say.

| id                     | risk   | seen in                                                      |
|------------------------|--------|--------------------------------------------------------------|
| BUILD-SECRET-ENV       | High   | ENV names (PASSWORD, TOKEN, SECRET, API_KEY...) and values   |
| BUILD-CREDENTIAL-FILE  | High   | .aws/credentials, .docker/config.json with auths, id_rsa...  |
| BUILD-ROOT-USER        | Medium | config user empty, `root` or `0`                              |
| BUILD-ADD-REMOTE       | Medium | history: `ADD http(s)://...` (no checksum, no cache control)  |
| BUILD-SUDO             | Medium | history: `sudo` run as a command in RUN                       |
| BUILD-NO-HEALTHCHECK   | Low    | config healthcheck empty or `NONE`                            |
| BUILD-SETUID           | Low    | each setuid/setgid file (mode bits)                           |
| BUILD-PACKAGE-CACHE    | Low    | apt lists/archives, apk, yum, dnf and pip caches left behind  |
| BUILD-LATEST-TAG       | Low    | a repo tag that is `latest` (or has no tag)                   |
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import posixpath
import re
from collections.abc import Iterator, Sequence

from openhss.scan.baseline.accounts import AccountFilesAnalyzer
from openhss.scan.interface import Analyzer, BuildRisk, ImageConfig, LayerFile, PathFilter

SETUID_BITS = 0o6000

PACKAGE_CACHES: tuple[tuple[str, str], ...] = (
    ("apt lists", "var/lib/apt/lists/"),
    ("apt archives", "var/cache/apt/archives/"),
    ("apk cache", "var/cache/apk/"),
    ("apk cache", "etc/apk/cache/"),
    ("yum cache", "var/cache/yum/"),
    ("dnf cache", "var/cache/dnf/"),
    ("pip cache", "root/.cache/pip/"),
)
"""Cache kinds and the directories they live in; `home/*/.cache/pip/` is matched apart."""

_CACHE_IGNORED = frozenset({"lock", "partial", "auxfiles"})

CREDENTIAL_FILES: dict[str, str] = {
    ".aws/credentials": "aws_secret_access_key",
    ".docker/config.json": '"auths"',
    ".npmrc": "_auth",
    ".pypirc": "password",
    ".git-credentials": "@",
    ".netrc": "password",
    ".pgpass": ":",
    ".kube/config": "",
    "id_rsa": "PRIVATE KEY",
    "id_dsa": "PRIVATE KEY",
    "id_ecdsa": "PRIVATE KEY",
    "id_ed25519": "PRIVATE KEY",
}
"""Path suffix of a well-known credential file -> a marker its content must hold to count."""

_VENDORED = re.compile(r"(^|/)(site-packages|dist-packages|node_modules|tests?|testdata|fixtures)/")
"""Packages ship test keys and sample configs; those are not the image's credentials."""

_CREDENTIAL_LIMIT = 64 * 1024
_ACCOUNTS = AccountFilesAnalyzer()


# claims() runs on every file of every layer; these one-call tests turn most paths away before the
# per-suffix loop and the regex (without them this was the costliest claims() of all analyzers).
_CREDENTIAL_ENDINGS = tuple("/" + suffix for suffix in CREDENTIAL_FILES)
_CACHE_DIRS = (*(directory for _, directory in PACKAGE_CACHES), "home/")
_CANDIDATES = PathFilter(
    names=frozenset(suffix.rpartition("/")[2] for suffix in CREDENTIAL_FILES),
    prefixes=_CACHE_DIRS,
    mode_bits=SETUID_BITS,
)
"""Credential files by name, cache directories, setuid/setgid files: every file claims() can accept,
so the walk asks it of these only (it was asked of every file of the image)."""


def credential_kind(path: str) -> str | None:
    """The credential-file suffix `path` ends with, if it is one (and not vendored test data)."""
    if path not in CREDENTIAL_FILES and not path.endswith(_CREDENTIAL_ENDINGS):
        return None
    if _VENDORED.search(path):
        return None
    for suffix in CREDENTIAL_FILES:
        if path == suffix or path.endswith("/" + suffix):
            return suffix
    return None


def cache_kind(path: str) -> str | None:
    """The package-cache kind whose directory holds `path`, if any."""
    if not path.startswith(_CACHE_DIRS):
        return None
    if posixpath.basename(path) in _CACHE_IGNORED or "/partial/" in path:
        return None
    for kind, directory in PACKAGE_CACHES:
        if path.startswith(directory):
            return None if kind == "apt archives" and not path.endswith(".deb") else kind
    parts = path.split("/")
    if len(parts) > 4 and parts[0] == "home" and parts[2:4] == [".cache", "pip"]:
        return "pip cache"
    return None


class BuildFilesAnalyzer(Analyzer[LayerFile]):
    """Claims credential files, setuid/setgid files and package-cache files for the build checks.

    Only credential files keep their content (first 64 KiB); the others come back empty, since
    their path and mode are the evidence.
    """

    name = "baseline-build-files"

    def claims(self, path: str, mode: int, size: int) -> bool:
        # Most paths fail all three one-call tests; only the rest pay for the precise checks.
        if not (mode & SETUID_BITS or path.endswith(_CREDENTIAL_ENDINGS) or path.startswith(_CACHE_DIRS)):
            return path in CREDENTIAL_FILES and credential_kind(path) is not None
        if _ACCOUNTS.claims(path, mode, size):
            return False  # one map holds both analyzers' files: never shadow an account file
        return bool(mode & SETUID_BITS) or credential_kind(path) is not None or cache_kind(path) is not None

    def path_filter(self) -> PathFilter:
        return _CANDIDATES

    def analyze(self, file: LayerFile) -> Sequence[LayerFile]:
        keep = file.content[:_CREDENTIAL_LIMIT] if credential_kind(file.path) else b""
        return (dataclasses.replace(file, content=keep),)


def _credential_present(kind: str, content: bytes) -> bool:
    text = content.decode("utf-8", errors="replace")
    if kind == ".docker/config.json":
        try:
            auths = json.loads(text).get("auths", {})
        except (ValueError, AttributeError):
            return False
        return isinstance(auths, dict) and any(
            isinstance(a, dict) and (a.get("auth") or a.get("identitytoken")) for a in auths.values()
        )
    if kind == ".git-credentials":
        return re.search(r"://[^/\s:@]+:[^/\s@]+@", text) is not None
    return CREDENTIAL_FILES[kind] in text and bool(text.strip())


_SECRET_WORDS = frozenset(
    {"PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS"}
)
_SECRET_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY")})
_SECRET_NAME_EXEMPT = frozenset({"PWD", "OLDPWD"})
_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_DIR", "_LOCATION")
_SECRET_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("password in URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)


def secret_in_env(entry: str) -> str | None:
    """Why an `ENV NAME=value` entry holds a secret (never the value itself), or None."""
    name, _, value = entry.partition("=")
    if not value.strip():
        return None
    for why, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return f"value looks like a {why}"
    upper = name.upper()
    if upper in _SECRET_NAME_EXEMPT or upper.endswith(_REFERENCE_SUFFIXES) or value.startswith("/"):
        return None
    parts = re.split(r"[^A-Z0-9]+", upper)
    if any(p in _SECRET_WORDS for p in parts) or any(
        pair in _SECRET_PAIRS for pair in itertools.pairwise(parts)
    ):
        return "name suggests a secret"
    return None


_ADD_REMOTE = re.compile(r"\bADD\b(?:\s+--\S+)*\s+(?:https?|ftp)://", re.IGNORECASE)
_SUDO = re.compile(r"(?:^|[;&|(`]|\s-c)\s*sudo(?:\s|$)")
_ROOT_USERS = frozenset({"", "root", "0"})


def _history_risks(history: Sequence[str]) -> Iterator[BuildRisk]:
    for index, created_by in enumerate(history):
        line = created_by.strip()
        if _ADD_REMOTE.search(line):
            yield BuildRisk(
                "BUILD-ADD-REMOTE",
                "ADD fetches a remote URL; use curl/wget with a checksum or COPY",
                "Medium",
                f"history[{index}]: {line[:200]}",
            )
        if "#(nop)" not in line and _SUDO.search(line):
            yield BuildRisk(
                "BUILD-SUDO",
                "sudo used in RUN; run as root then drop to a user",
                "Medium",
                f"history[{index}]",
            )


def _is_latest(tag: str) -> bool:
    if "@" in tag:
        return False
    last = tag.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] == "latest"


def config_risks(config: ImageConfig) -> Iterator[BuildRisk]:
    """Risks the image config and its history show."""
    user = config.user.strip()
    if user.split(":", 1)[0] in _ROOT_USERS:
        yield BuildRisk(
            "BUILD-ROOT-USER", "image runs as root; add a USER", "Medium", f"USER {user or '(empty)'}"
        )
    if not config.healthcheck or config.healthcheck[0].upper() == "NONE":
        yield BuildRisk("BUILD-NO-HEALTHCHECK", "no HEALTHCHECK", "Low", "healthcheck: none")
    for entry in config.env:
        why = secret_in_env(entry)
        if why:
            name = entry.partition("=")[0]
            yield BuildRisk("BUILD-SECRET-ENV", f"secret in ENV {name}", "High", f"ENV {name} ({why})")
    yield from _history_risks(config.history)
    for tag in config.repo_tags:
        if _is_latest(tag):
            yield BuildRisk("BUILD-LATEST-TAG", "image tagged latest; pin a version tag", "Low", tag)


def file_risks(files: dict[str, LayerFile]) -> Iterator[BuildRisk]:
    """Risks the surviving claimed files show: credentials, setuid/setgid bits, package caches."""
    caches: dict[str, list[str]] = {}
    for path in sorted(files):
        file = files[path]
        kind = credential_kind(path)
        if kind and _credential_present(kind, file.content):
            yield BuildRisk(
                "BUILD-CREDENTIAL-FILE", f"credential file {kind} left in the image", "High", path
            )
        if file.mode & SETUID_BITS:
            bits = "setuid" if file.mode & 0o4000 else "setgid"
            if file.mode & 0o6000 == 0o6000:
                bits = "setuid+setgid"
            yield BuildRisk("BUILD-SETUID", f"{bits} file", "Low", f"{path} ({file.mode & 0o7777:04o})")
        cache = cache_kind(path)
        if cache:
            caches.setdefault(cache, []).append(path)
    for cache, paths in sorted(caches.items()):
        directory = posixpath.dirname(paths[0]) + "/"
        yield BuildRisk(
            "BUILD-PACKAGE-CACHE",
            f"{cache} left behind; clean it in the same RUN",
            "Low",
            f"{directory} ({len(paths)} file(s))",
        )
