"""The account files a baseline reads (passwd, shadow, group, gshadow, trust files), claimed and parsed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openhss.scan.interface import Analyzer, LayerFile, PathFilter

PASSWD = "etc/passwd"
SHADOW = "etc/shadow"
GROUP = "etc/group"
GSHADOW = "etc/gshadow"
HOSTS_EQUIV = "etc/hosts.equiv"
ROOT_AUTHORIZED_KEYS = ("root/.ssh/authorized_keys", "root/.ssh/authorized_keys2")

_EXACT = frozenset({PASSWD, SHADOW, GROUP, GSHADOW, HOSTS_EQUIV, *ROOT_AUTHORIZED_KEYS})
_RHOSTS_NAMES = (".rhosts", ".shosts")
_RHOSTS_ENDINGS = ("/.rhosts", "/.shosts")
_CANDIDATES = PathFilter(names=frozenset({*(p.rpartition("/")[2] for p in _EXACT), *_RHOSTS_NAMES}))
"""Every file claims() accepts has one of these names, so the walk asks it of no other file."""


def is_rhosts(path: str) -> bool:
    """Whether `path` is a per-user host trust file (`.rhosts`, also the `.shosts` of ssh)."""
    # The same as testing the basename, without splitting every path claims() is asked about.
    return path.endswith(_RHOSTS_ENDINGS) or path in _RHOSTS_NAMES


class AccountFilesAnalyzer(Analyzer[LayerFile]):
    """Claims the account and trust files the baseline checks read and hands each back whole."""

    name = "baseline-accounts"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path in _EXACT or is_rhosts(path)

    def path_filter(self) -> PathFilter:
        return _CANDIDATES

    def analyze(self, file: LayerFile) -> Sequence[LayerFile]:
        return (file,)


@dataclass(frozen=True)
class Entry:
    """One colon-separated line of an account file."""

    path: str
    """The file it is in."""
    line: int
    """1-based line number."""
    fields: tuple[str, ...]
    """The fields, padded with empty strings to the file's field count."""

    @property
    def name(self) -> str:
        """The first field: the account or group name."""
        return self.fields[0]

    def number(self, index: int) -> int | None:
        """Field `index` as a non-negative integer, None when empty or not a number."""
        value = self.fields[index].strip()
        return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class RawLine:
    """One non-blank, non-comment line, kept for checks that look at the raw text (`+` entries)."""

    path: str
    """The file it is in."""
    line: int
    """1-based line number."""
    text: str
    """The line without its newline."""


def text_lines(file: LayerFile | None) -> list[RawLine]:
    """Non-blank lines that are not comments, numbered as in the file."""
    if file is None:
        return []
    text = file.content.decode("utf-8", errors="replace")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append(RawLine(file.path, number, line))
    return out


def entries(file: LayerFile | None, field_count: int) -> list[Entry]:
    """The entries of a colon-separated account file; legacy `+`/`-` NIS lines are left out."""
    out = []
    for raw in text_lines(file):
        if raw.text[:1] in "+-":
            continue
        fields = raw.text.split(":")
        fields += [""] * (field_count - len(fields))
        out.append(Entry(raw.path, raw.line, tuple(fields[:field_count])))
    return out


@dataclass(frozen=True)
class AccountFiles:
    """The parsed account files of one image (each list empty when the file is absent)."""

    passwd: list[Entry]
    """`etc/passwd`: name, password, uid, gid, gecos, home, shell."""
    shadow: list[Entry]
    """`etc/shadow`: name, hash, lastchg, min, max, warn, inactive, expire, reserved."""
    group: list[Entry]
    """`etc/group`: name, password, gid, members."""
    gshadow: list[Entry]
    """`etc/gshadow`: name, password, administrators, members."""

    @classmethod
    def parse(cls, files: dict[str, LayerFile]) -> AccountFiles:
        """Parse whichever of the four files are present."""
        return cls(
            passwd=entries(files.get(PASSWD), 7),
            shadow=entries(files.get(SHADOW), 9),
            group=entries(files.get(GROUP), 4),
            gshadow=entries(files.get(GSHADOW), 4),
        )


def members(field: str) -> list[str]:
    """A comma-separated member list, without empty items."""
    return [m.strip() for m in field.split(",") if m.strip()]


def usable_hash(value: str) -> bool:
    """Whether a password field holds a hash someone can log in with (not empty, locked or `x`)."""
    return bool(value) and value[0] not in "!*" and value != "x"
