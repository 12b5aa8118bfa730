"""The analyzer index hands each file to exactly the analyzers whose claims() accept it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer
from openhss.scan.catalog import all_catalogers
from openhss.scan.dispatch import AnalyzerIndex
from openhss.scan.distro import ReleaseFileAnalyzer
from openhss.scan.interface import Analyzer, LayerFile, PathFilter
from openhss.scan.malware import MalwareAnalyzer

# Parts of the paths catalogers claim, mixed so near misses come up as often as hits.
_PARTS = [
    "var",
    "lib",
    "dpkg",
    "status",
    "status.d",
    "base",
    "x.md5sums",
    "apk",
    "db",
    "installed",
    "usr",
    "local",
    "bin",
    "sbin",
    "node_modules",
    "@scope",
    "pkg",
    "package.json",
    ".bin",
    "site-packages",
    "a-1.0.dist-info",
    "METADATA",
    "b.egg-info",
    "PKG-INFO",
    "c-2.egg-info",
    "vendor",
    "composer",
    "installed.json",
    "rpm",
    "sysimage",
    "share",
    "Packages",
    "rpmdb.sqlite",
    "Packages.db",
    "specifications",
    "default",
    "x.gemspec",
    "app.deps.json",
    "lib.JAR",
    "a.war",
    "b.Ear",
    "etc",
    "os-release",
    "debian_version",
    "alpine-release",
    "README",
    "bin.txt",
    # What the malware analyzer claims: temp dirs, web roots, start-up places, scripts, archives.
    "tmp",
    "dev",
    "shm",
    "www",
    "srv",
    "opt",
    "webapps",
    "tomcat9",
    "home",
    "root",
    ".bashrc",
    ".profile",
    "init.d",
    "cron.d",
    "crontab",
    "profile",
    "profile.d",
    "rc.local",
    "x.php",
    "run.SH",
    "a.ZIP",
    "b.tar.gz",
    "config.json",
    "xmrig.json",
    "libx.so.1",
    # Library trees and pseudo filesystems, which the malware analyzer turns away.
    "doc",
    "man",
    "perl5",
    "python3",
    "x.pl",
    "x.gz",
    "x.JS",
    "proc",
    "bower_components",
    # What the baseline analyzers claim: account and trust files, credential files, package caches.
    "passwd",
    "shadow",
    "group",
    "gshadow",
    "hosts.equiv",
    ".ssh",
    "authorized_keys",
    "authorized_keys2",
    ".rhosts",
    ".shosts",
    ".aws",
    "credentials",
    ".docker",
    ".kube",
    "config",
    ".npmrc",
    ".git-credentials",
    "id_ed25519",
    "apt",
    "lists",
    "partial",
    "lock",
    "cache",
    "archives",
    "x.deb",
    ".cache",
    "pip",
    "",
]

# Paths each cataloger does claim, placed under random prefixes.
_CLAIMED = [
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/base",
    "var/lib/dpkg/status.d/x.md5sums",
    "lib/apk/db/installed",
    "node_modules/a/package.json",
    "srv/node_modules/@s/a/package.json",
    "dist-packages/a-1.dist-info/METADATA",
    "x.egg-info/PKG-INFO",
    "a-1.egg-info",
    "vendor/composer/installed.json",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/share/rpm/Packages.db",
    "gems/specifications/x.gemspec",
    "specifications/default/y.gemspec",
    "app/x.deps.json",
    "opt/a.JAR",
    "etc/os-release",
    "usr/lib/os-release",
    "etc/debian_version",
    "usr/bin/prog",
    "usr/local/sbin/x",
    "README",
    "tmp/x",
    "var/www/html/index.html",
    "opt/app/webapps/ROOT/x.jsp",
    "var/lib/tomcat9/webapps/a/b.war",
    "etc/cron.d/job",
    "etc/crontab",
    "home/u/.profile",
    "etc/shadow",
    "root/.ssh/authorized_keys",
    "home/u/.rhosts",
    "root/.docker/config.json",
    "id_rsa",
    "var/lib/apt/lists/x_Packages",
    "var/cache/apt/archives/x.deb",
    "home/u/.cache/pip/http/a",
    "usr/share/doc/a/b.ear",
    "usr/lib/python3/x.war",
    "var/www/html/vendor/x/shell.php",
    "srv/node_modules/a/x.jsp",
]
_PATHS = st.one_of(
    st.lists(st.sampled_from(_PARTS), min_size=1, max_size=7).map("/".join),
    st.tuples(st.lists(st.sampled_from(_PARTS), max_size=3), st.sampled_from(_CLAIMED)).map(
        lambda t: "/".join([*t[0], t[1]])
    ),
)


class Undeclared(Analyzer[str]):
    """An analyzer written before filters existed: asked about every file."""

    name: ClassVar[str] = "undeclared"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path.endswith("README")

    def analyze(self, file: LayerFile) -> Sequence[str]:
        return ()


ANALYZERS = [
    *all_catalogers(),
    ReleaseFileAnalyzer(),
    MalwareAnalyzer(),
    AccountFilesAnalyzer(),
    BuildFilesAnalyzer(),
    Undeclared(),
]


@settings(max_examples=3000, deadline=None)
@given(
    _PATHS,
    st.sampled_from([0o644, 0o755, 0o600, 0o4711, 0o4644, 0o2755, 0o2600, 0o6000]),
    st.sampled_from([0, 100, 1024, 5000, 20 * 1024 * 1024, 40 * 1024 * 1024]),
)
def test_index_asks_exactly_the_claiming_analyzers(path: str, mode: int, size: int) -> None:
    index = AnalyzerIndex(ANALYZERS)
    assert index.claiming(path, mode, size) == [a for a in ANALYZERS if a.claims(path, mode, size)]


def test_each_claimed_path_is_claimed_by_someone() -> None:
    index = AnalyzerIndex(ANALYZERS)
    for path in _CLAIMED:
        assert index.claiming(path, 0o755, 5000), path


def test_every_cataloger_declares_a_filter() -> None:
    assert all(isinstance(c.path_filter(), PathFilter) for c in all_catalogers())
    assert Undeclared().path_filter() is None


def test_every_analyzer_of_a_full_scan_declares_a_filter() -> None:
    # One analyzer without a filter makes the walk call claims() on every file of the image.
    shipped = [a for a in ANALYZERS if not isinstance(a, Undeclared)]
    assert all(isinstance(a.path_filter(), PathFilter) for a in shipped)


def test_mode_bits_admit_files_by_permission_alone() -> None:
    index = AnalyzerIndex([BuildFilesAnalyzer()])
    assert [a.name for a in index.claiming("usr/lib/x/helper", 0o4644, 10)] == ["baseline-build-files"]
    assert [a.name for a in index.claiming("usr/lib/x/helper", 0o2711, 10)] == ["baseline-build-files"]
    assert index.claiming("usr/lib/x/helper", 0o755, 10) == []
