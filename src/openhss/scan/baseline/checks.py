"""The account baseline: each check over passwd, shadow, group, gshadow and the host trust files.

The rules' data (id, concern, risk, name, fix) is `openhss.baseline_rules`, which the server reads
too; this module runs them.

| id                  | concern (check_name) | risk   | why this level                                      |
|---------------------|----------------------|--------|-----------------------------------------------------|
| ACCT-UID0           | account_files        | High   | a second root: full control under another name      |
| ACCT-LEGACY-PLUS    | account_files        | High   | `+` pulls in NIS accounts, maybe without passwords  |
| ACCT-DUP-USER       | account_files        | Medium | which entry wins is up to each tool: confusion      |
| ACCT-DUP-UID        | account_files        | Medium | two names, one identity: files and audit are shared |
| ACCT-ROOT-GID       | account_files        | Low    | root's files get a non-root group by default        |
| GRP-DUP-NAME        | account_files        | Low    | integrity defect, no access by itself               |
| GRP-DUP-GID         | account_files        | Low    | groups merge silently; access is shared             |
| GRP-MISSING-PRIMARY | account_files        | Low    | a later group with that GID gets the user's files   |
| GRP-PRIV-MEMBER     | privileged_groups    | Medium | root, wheel, sudo, admin, docker, disk lead to root |
| GRP-SHADOW-MEMBER   | privileged_groups    | Medium | reads every password hash                           |
| PWD-EMPTY           | password_policy      | High   | log in without a password                           |
| PWD-WEAK-HASH       | password_policy      | High   | DES/MD5 hashes fall to offline cracking in hours    |
| PWD-WEAK            | password_policy      | High   | the password is on every guess list                 |
| PWD-SHARED-HASH     | password_policy      | Medium | one leaked password opens several accounts          |
| PWD-NO-EXPIRY       | password_policy      | Low    | a leaked password stays valid forever               |
| PWD-FUTURE-CHANGE   | password_policy      | Low    | ageing rules are off until that date                |
| TRUST-HOSTS-EQUIV   | remote_trust         | High   | password-less r-command logins from listed hosts    |
| TRUST-RHOSTS        | remote_trust         | High   | the same, per user                                  |
| TRUST-ROOT-KEYS     | remote_trust         | Medium | whoever holds the key is root in every container    |
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from openhss.baseline_rules import RULES
from openhss.scan.baseline.accounts import (
    GROUP,
    GSHADOW,
    HOSTS_EQUIV,
    PASSWD,
    ROOT_AUTHORIZED_KEYS,
    SHADOW,
    AccountFiles,
    Entry,
    members,
    text_lines,
    usable_hash,
)
from openhss.scan.interface import LayerFile, UnsafeSetting

PRIVILEGED_GROUPS = ("root", "wheel", "sudo", "admin", "docker", "disk")
"""Membership in these is root or one step from it (the shadow group has its own check)."""

NO_EXPIRY_DAYS = 99999
"""`max` days at or above this (or empty) means the password never expires (shadow's own convention)."""


@dataclass(frozen=True)
class Check:
    """What a check is; each failure becomes one `UnsafeSetting` carrying these."""

    id: str
    """Stable id."""
    check_name: str
    """The concern it belongs to."""
    risk: str
    """High, Medium or Low."""
    fix: str
    """How to fix a failure."""

    def fail(self, title: str, path: str, line: int, account: str) -> UnsafeSetting:
        """One failure of this check."""
        return UnsafeSetting(self.id, self.check_name, title, self.risk, path, line, account, self.fix)


ALL_CHECKS = tuple(Check(r.id, r.check_name, r.risk, r.fix) for r in RULES)
"""Every account check, in report order: the rules of `openhss.baseline_rules`, which the server lists too."""

_BY_ID = {c.id: c for c in ALL_CHECKS}
UID0 = _BY_ID["ACCT-UID0"]
LEGACY_PLUS = _BY_ID["ACCT-LEGACY-PLUS"]
DUP_USER = _BY_ID["ACCT-DUP-USER"]
DUP_UID = _BY_ID["ACCT-DUP-UID"]
ROOT_GID = _BY_ID["ACCT-ROOT-GID"]
GRP_DUP_NAME = _BY_ID["GRP-DUP-NAME"]
GRP_DUP_GID = _BY_ID["GRP-DUP-GID"]
GRP_MISSING = _BY_ID["GRP-MISSING-PRIMARY"]
PRIV_MEMBER = _BY_ID["GRP-PRIV-MEMBER"]
SHADOW_MEMBER = _BY_ID["GRP-SHADOW-MEMBER"]
EMPTY = _BY_ID["PWD-EMPTY"]
WEAK_HASH = _BY_ID["PWD-WEAK-HASH"]
WEAK = _BY_ID["PWD-WEAK"]
SHARED_HASH = _BY_ID["PWD-SHARED-HASH"]
NO_EXPIRY = _BY_ID["PWD-NO-EXPIRY"]
FUTURE_CHANGE = _BY_ID["PWD-FUTURE-CHANGE"]
HOSTS_EQUIV_TRUST = _BY_ID["TRUST-HOSTS-EQUIV"]
RHOSTS_TRUST = _BY_ID["TRUST-RHOSTS"]
ROOT_KEYS = _BY_ID["TRUST-ROOT-KEYS"]


def password_records(acc: AccountFiles) -> list[Entry]:
    """Entries whose field 1 is the password a login is checked against.

    A passwd entry whose password field is not `x` holds the password itself; otherwise the
    shadow entry of that name does. Shadow entries without a passwd entry are kept: they are
    still what PAM reads.
    """
    inline = [e for e in acc.passwd if e.fields[1] != "x"]
    inline_names = {e.name for e in inline}
    return inline + [e for e in acc.shadow if e.name not in inline_names]


def hash_scheme(value: str) -> str:
    """`des`, `bsdi-des`, `md5` (also Sun MD5 and NT), or `strong`/`unknown` for the rest."""
    if value.startswith(("$1$", "$md5", "$3$")):
        return "md5"
    if value.startswith("_") and len(value) == 20:
        return "bsdi-des"
    if len(value) == 13 and all(c.isalnum() or c in "./" for c in value):
        return "des"
    return "strong" if value.startswith("$") else "unknown"


def _duplicates(items: list[Entry], key: int) -> Iterator[tuple[Entry, Entry]]:
    """Each entry whose field `key` an earlier entry already had, with that first entry."""
    first: dict[str, Entry] = {}
    for entry in items:
        value = entry.fields[key]
        if value in first:
            yield entry, first[value]
        else:
            first[value] = entry


def _identity_checks(acc: AccountFiles) -> Iterator[UnsafeSetting]:
    for items in (acc.passwd, acc.shadow):
        for entry, first in _duplicates(items, 0):
            title = f"user name {entry.name} appears again (first at line {first.line})"
            yield DUP_USER.fail(title, entry.path, entry.line, entry.name)
    seen_uid: dict[int, Entry] = {}
    for entry in acc.passwd:
        uid = entry.number(2)
        if uid is None:
            continue
        if uid == 0 and entry.name != "root":
            yield UID0.fail(f"non-root account {entry.name} has UID 0", entry.path, entry.line, entry.name)
        first = seen_uid.setdefault(uid, entry)
        if first is not entry and first.name != entry.name:
            title = f"UID {uid} of {entry.name} is also {first.name}'s (line {first.line})"
            yield DUP_UID.fail(title, entry.path, entry.line, entry.name)
    for entry, first in _duplicates(acc.group, 0):
        title = f"group name {entry.name} appears again (first at line {first.line})"
        yield GRP_DUP_NAME.fail(title, entry.path, entry.line, entry.name)
    seen_gid: dict[int, Entry] = {}
    for entry in acc.group:
        gid = entry.number(2)
        if gid is None:
            continue
        first = seen_gid.setdefault(gid, entry)
        if first is not entry and first.name != entry.name:
            title = f"GID {gid} of group {entry.name} is also {first.name}'s (line {first.line})"
            yield GRP_DUP_GID.fail(title, entry.path, entry.line, entry.name)
    if acc.group:
        for entry in acc.passwd:
            gid = entry.number(3)
            if gid is not None and gid not in seen_gid:
                title = f"primary group {gid} of {entry.name} is not in /etc/group"
                yield GRP_MISSING.fail(title, entry.path, entry.line, entry.name)
    for entry in acc.passwd:
        if entry.name == "root" and entry.number(3) not in (0, None):
            title = f"root's primary group is GID {entry.fields[3]}, not 0"
            yield ROOT_GID.fail(title, entry.path, entry.line, entry.name)


def _legacy_plus(files: dict[str, LayerFile]) -> Iterator[UnsafeSetting]:
    for path in (PASSWD, SHADOW, GROUP, GSHADOW):
        for raw in text_lines(files.get(path)):
            if raw.text.startswith("+"):
                name = raw.text[1:].split(":", 1)[0]
                title = f"legacy '+' entry in /{path}"
                yield LEGACY_PLUS.fail(title, raw.path, raw.line, name)


def _group_checks(acc: AccountFiles) -> Iterator[UnsafeSetting]:
    uid_of = {e.name: e.number(2) for e in acc.passwd}
    reported: set[tuple[str, str]] = set()
    watched = (*PRIVILEGED_GROUPS, "shadow")
    listings = [(g, 3) for g in acc.group] + [(g, 3) for g in acc.gshadow]
    for group, field in listings:
        if group.name not in watched:
            continue
        for name in members(group.fields[field]):
            if uid_of.get(name) == 0 or (group.name, name) in reported:
                continue
            reported.add((group.name, name))
            yield _membership(group.name, name, group.path, group.line)
    gid_names = {e.number(2): e.name for e in acc.group if e.name in watched}
    for entry in acc.passwd:
        group_name = gid_names.get(entry.number(3))
        if group_name is None or entry.number(2) == 0 or (group_name, entry.name) in reported:
            continue
        reported.add((group_name, entry.name))
        yield _membership(group_name, entry.name, entry.path, entry.line, primary=True)


def _membership(group: str, account: str, path: str, line: int, primary: bool = False) -> UnsafeSetting:
    how = "has primary group" if primary else "is a member of"
    check = SHADOW_MEMBER if group == "shadow" else PRIV_MEMBER
    return check.fail(f"unprivileged account {account} {how} {group}", path, line, account)


def _password_checks(acc: AccountFiles, today_days: int) -> Iterator[UnsafeSetting]:
    records = password_records(acc)
    by_hash: dict[str, list[Entry]] = defaultdict(list)
    for entry in records:
        value = entry.fields[1]
        if value == "":
            yield EMPTY.fail(
                f"account {entry.name} has an empty password", entry.path, entry.line, entry.name
            )
            continue
        if not usable_hash(value):
            continue
        by_hash[value].append(entry)
        scheme = hash_scheme(value)
        if scheme in ("des", "bsdi-des", "md5"):
            title = f"password of {entry.name} is hashed with weak {scheme.upper()}"
            yield WEAK_HASH.fail(title, entry.path, entry.line, entry.name)
    for sharing in by_hash.values():
        names = sorted({e.name for e in sharing})
        for entry in sharing[1:]:
            title = f"account {entry.name} shares its password hash with {', '.join(names)}"
            yield SHARED_HASH.fail(title, entry.path, entry.line, entry.name)
    for entry in acc.shadow:
        if not usable_hash(entry.fields[1]):
            continue
        max_days = entry.number(4)
        if max_days is None or max_days >= NO_EXPIRY_DAYS:
            title = f"password of {entry.name} never expires"
            yield NO_EXPIRY.fail(title, entry.path, entry.line, entry.name)
        last = entry.number(2)
        if last is not None and last > today_days:
            title = f"password of {entry.name} was last changed in the future (day {last})"
            yield FUTURE_CHANGE.fail(title, entry.path, entry.line, entry.name)


def _trust_checks(files: dict[str, LayerFile], rhosts: list[str]) -> Iterator[UnsafeSetting]:
    lines = text_lines(files.get(HOSTS_EQUIV))
    if lines:
        yield HOSTS_EQUIV_TRUST.fail("/etc/hosts.equiv trusts remote hosts", HOSTS_EQUIV, lines[0].line, "")
    for path in rhosts:
        lines = text_lines(files[path])
        if lines:
            owner = path.split("/")[-2] if "/" in path else ""
            title = f"/{path} trusts remote hosts"
            yield RHOSTS_TRUST.fail(title, path, lines[0].line, "root" if path.startswith("root/") else owner)
    for path in ROOT_AUTHORIZED_KEYS:
        lines = text_lines(files.get(path))
        if lines:
            title = f"root trusts {len(lines)} preset SSH key(s) in /{path}"
            yield ROOT_KEYS.fail(title, path, lines[0].line, "root")


def account_settings(files: dict[str, LayerFile], rhosts: list[str], today_days: int) -> list[UnsafeSetting]:
    """Every failed account check except PWD-WEAK (which has a time bound of its own)."""
    acc = AccountFiles.parse(files)
    found = [
        *_identity_checks(acc),
        *_legacy_plus(files),
        *_group_checks(acc),
        *_password_checks(acc, today_days),
        *_trust_checks(files, rhosts),
    ]
    order = {c.id: i for i, c in enumerate(ALL_CHECKS)}
    return sorted(found, key=lambda s: (order[s.check_id], s.path, s.line, s.account))
