"""The baseline analyzers' claims() fast paths against the plain definitions they shortcut."""

import itertools
import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer
from openhss.scan.baseline.accounts import ROOT_AUTHORIZED_KEYS
from openhss.scan.baseline.build import CREDENTIAL_FILES, SETUID_BITS, cache_kind, credential_kind

ACCOUNT_FILES = {
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/gshadow",
    "etc/hosts.equiv",
    *ROOT_AUTHORIZED_KEYS,
}


def reference_accounts(path: str) -> bool:
    return path in ACCOUNT_FILES or posixpath.basename(path) in (".rhosts", ".shosts")


def reference_build(path: str, mode: int) -> bool:
    if reference_accounts(path):
        return False
    return bool(mode & SETUID_BITS) or credential_kind(path) is not None or cache_kind(path) is not None


PREFIXES = [
    "", "etc/", "root/", "home/app/", "home/app/.cache/pip/", "root/.cache/pip/", "var/lib/apt/lists/",
    "var/cache/apt/archives/", "var/cache/apt/archives/partial/", "var/cache/apk/", "etc/apk/cache/",
    "var/cache/yum/", "var/cache/dnf/", "usr/bin/", "app/node_modules/x/", "app/tests/", "srv/",
]  # fmt: skip
NAMES = [
    "passwd", "shadow", "group", "gshadow", "hosts.equiv", ".rhosts", ".shosts", "x.rhosts", "id_rsa",
    "id_ed25519", ".netrc", ".npmrc", ".pypirc", ".pgpass", ".git-credentials", ".aws/credentials",
    ".docker/config.json", ".kube/config", ".ssh/authorized_keys", ".ssh/id_rsa", "lock", "x.deb", "x",
    "sudo", "config.json",
]  # fmt: skip
MODES = [0o644, 0o755, 0o4755, 0o2755, 0o6755]


def test_claims_match_the_definitions_on_every_combination() -> None:
    accounts, build = AccountFilesAnalyzer(), BuildFilesAnalyzer()
    for prefix, name, mode in itertools.product(PREFIXES, [*NAMES, *CREDENTIAL_FILES], MODES):
        path = prefix + name
        assert accounts.claims(path, mode, 100) == reference_accounts(path), path
        assert build.claims(path, mode, 100) == reference_build(path, mode), (path, oct(mode))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from([*PREFIXES, *NAMES, "a", ".cache", "pip", ".ssh"]), min_size=1, max_size=5),
    st.sampled_from(MODES),
)
def test_claims_match_the_definitions_on_generated_paths(parts: list[str], mode: int) -> None:
    path = "/".join(p.strip("/") for p in parts if p.strip("/"))
    accounts, build = AccountFilesAnalyzer(), BuildFilesAnalyzer()
    assert accounts.claims(path, mode, 100) == reference_accounts(path)
    assert build.claims(path, mode, 100) == reference_build(path, mode)
