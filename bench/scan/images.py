"""The bench images, built offline from real trees (debootstrap, pip, npm, go, jar, rpm) with umoci and skopeo.

Each image is a list of layers; a layer is a whole tree or the difference between two trees (with
whiteouts for what the later tree lost). Trees and images are cached in the work dir between runs.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import stat
import subprocess
import tarfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEBIAN_EXTRAS = ("curl", "ca-certificates", "less", "bzip2", "procps", "python3", "python3-yaml", "openssl")
DELETED_DEB = "less"
PIP_PACKAGES = ("requests==2.32.3", "flask==3.0.3", "PyYAML==6.0.2", "cryptography==43.0.1", "attrs==24.2.0")
DELETED_PIP = "attrs"
NPM_PACKAGES = ("express@4.21.1", "lodash@4.17.21", "@babel/parser@7.26.2", "debug@2.6.9", "minimist@1.2.8")
GO_VENDORED = (
    "golang-github-google-uuid-dev",
    "golang-github-pkg-errors-dev",
    "golang-github-spf13-pflag-dev",
)
SYSTEM_JARS = ("commons-lang3.jar", "commons-io.jar", "guava.jar", "slf4j-api.jar", "commons-cli.jar")
PYTHON_SITE = "usr/local/lib/python3.11/dist-packages"


def run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Runs a build step; its output only matters when it fails."""
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def debian_mirrors() -> list[str]:
    """The `URIs:` of the machine's deb822 sources: the first is the main archive."""
    found: list[str] = []
    for source in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in source.read_text().splitlines():
            if line.startswith("URIs:"):
                found += line.split()[1:]
    return found or ["http://deb.debian.org/debian"]


def _cached(path: Path, build: Callable[[Path], None]) -> Path:
    """`path` built once: into a temporary sibling, renamed when complete (an interrupted build is redone)."""
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial) if partial.is_dir() else partial.unlink()
    build(partial)
    partial.rename(path)
    return path


class Trees:
    """The filesystem trees the layers are made of, each built once under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.debs = root / "deb-cache"
        self.debs.mkdir(exist_ok=True)

    def debian(self, include: tuple[str, ...] = ()) -> Path:
        name = "debian-minbase" + ("-extras" if include else "")

        def build(target: Path) -> None:
            extra = [f"--include={','.join(include)}"] if include else []
            run(
                "debootstrap", "--variant=minbase", f"--cache-dir={self.debs}", *extra,
                "bookworm", target, debian_mirrors()[0],
            )  # fmt: skip
            # apt's package lists would be an image's own business; keep the tree what dpkg installed.
            for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
                shutil.rmtree(target / leftover, ignore_errors=True)

        return _cached(self.root / name, build)

    def debian_purged(self) -> Path:
        """The extras tree after `dpkg --purge` of one package: the deleted package of the bench."""

        def build(target: Path) -> None:
            run("cp", "-a", self.debian(DEBIAN_EXTRAS), target)
            run("chroot", target, "dpkg", "--purge", DELETED_DEB)

        return _cached(self.root / "debian-purged", build)

    def pip(self) -> Path:
        """`pip install --target` from PyPI into the Debian python's site directory."""

        def build(target: Path) -> None:
            site = target / PYTHON_SITE
            run(
                "/work/venv/bin/pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check",
                "--python-version", "3.11", "--platform", "manylinux2014_x86_64", "--only-binary=:all:",
                "--target", site, *PIP_PACKAGES,
            )  # fmt: skip

        return _cached(self.root / "pip", build)

    def npm(self) -> Path:
        """`npm install` of an application's dependencies under `srv/app`."""

        def build(target: Path) -> None:
            app = target / "srv" / "app"
            app.mkdir(parents=True)
            (app / "package.json").write_text('{"name": "bench-app", "version": "1.0.0", "private": true}\n')
            run("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *NPM_PACKAGES, cwd=app)

        return _cached(self.root / "npm", build)

    def go(self) -> Path:
        """A Go program vendoring three Debian-packaged modules, built with Debian's go; plus umoci."""

        def build(target: Path) -> None:
            work = self.root / "go-src.partial"
            shutil.rmtree(work, ignore_errors=True)
            (work / "debs").mkdir(parents=True)
            run("apt-get", "download", *GO_VENDORED, cwd=work / "debs")
            gocode = work / "gocode"
            modules: list[tuple[str, str]] = []
            for deb in sorted((work / "debs").glob("*.deb")):
                run("dpkg-deb", "-x", deb, gocode)
                version = deb.name.split("_")[1].split("-")[0].split("~")[0].split("+")[0]
                modules.append((_go_module(gocode, deb.name.split("_")[0]), "v" + version))
            app = work / "app"
            vendor = app / "vendor"
            lines = []
            for module, version in modules:
                shutil.copytree(gocode / "usr/share/gocode/src" / module, vendor / module)
                lines += [f"# {module} {version}", "## explicit", module]
            (vendor / "modules.txt").write_text("\n".join(lines) + "\n")
            requires = "\n".join(f"\t{m} {v}" for m, v in modules)
            (app / "go.mod").write_text(
                f"module example.com/benchapp\n\ngo 1.19\n\nrequire (\n{requires}\n)\n"
            )
            (app / "main.go").write_text(_GO_MAIN)
            out = target / "usr/local/bin"
            out.mkdir(parents=True)
            env = {**os.environ, "GOFLAGS": "-mod=vendor", "GOCACHE": str(work / "cache"), "CGO_ENABLED": "0"}
            run("go", "build", "-o", out / "benchapp", ".", cwd=app, env=env)
            run("go", "build", "-ldflags=-s -w", "-o", out / "benchapp-stripped", ".", cwd=app, env=env)
            shutil.copy2("/usr/bin/umoci", out / "umoci")
            shutil.rmtree(work)

        return _cached(self.root / "go", build)

    def java(self) -> Path:
        """Jars from Debian's /usr/share/java, one built with `jar`, a fat jar of nested jars and a war."""

        def build(target: Path) -> None:
            lib = target / "opt/app/lib"
            lib.mkdir(parents=True)
            for name in SYSTEM_JARS:
                shutil.copy2(_system_jar(name), lib)
            src = self.root / "java-src.partial"
            shutil.rmtree(src, ignore_errors=True)
            maven = src / "META-INF/maven/com.example.bench/bench-core"
            maven.mkdir(parents=True)
            (maven / "pom.properties").write_text(
                "groupId=com.example.bench\nartifactId=bench-core\nversion=2.4.1\n"
            )
            (src / "com/example/bench").mkdir(parents=True)
            (src / "com/example/bench/Main.java").write_text(
                "package com.example.bench; public class Main { public static void main(String[] a) {} }\n"
            )
            run("javac", "-d", src, src / "com/example/bench/Main.java")
            run("jar", "--create", "--file", lib / "bench-core-2.4.1.jar", "-C", src, ".")
            boot = src / "boot"
            (boot / "BOOT-INF/lib").mkdir(parents=True)
            for name in ("commons-lang3.jar", "slf4j-api.jar"):
                shutil.copy2(_system_jar(name), boot / "BOOT-INF/lib")
            shutil.copy2(lib / "bench-core-2.4.1.jar", boot / "BOOT-INF/lib")
            (target / "opt/app").mkdir(exist_ok=True)
            run("jar", "--create", "--file", target / "opt/app/bench-all.jar", "-C", boot, ".")
            war = src / "war"
            (war / "WEB-INF/lib").mkdir(parents=True)
            shutil.copy2(_system_jar("commons-io.jar"), war / "WEB-INF/lib")
            (war / "index.html").write_text("<p>bench</p>\n")
            run("jar", "--create", "--file", target / "opt/app/bench-web.war", "-C", war, ".")
            shutil.rmtree(src)

        return _cached(self.root / "java", build)

    def rpm(self, erase: bool, rocky: bool = True) -> Path:
        """A real rpm database (rpm's default SQLite backend) from small packages built with rpmbuild.

        With `rocky`, the tree says it is Rocky Linux 9 (Trivy reports rpm packages only on an rpm
        distribution); without, it is what Debian's `rpm` package leaves on a Debian system.
        """

        def build(target: Path) -> None:
            rpms = self._rpms()
            target.mkdir()
            if rocky:
                (target / "etc").mkdir()
                (target / "etc/os-release").write_text(_ROCKY_OS_RELEASE)
                (target / "etc/redhat-release").write_text("Rocky Linux release 9.3 (Blue Onyx)\n")
            names = sorted(rpms.glob("*.rpm"))
            base = [r for r in names if "bench-extra" not in r.name]
            rpm = ("rpm", "--root", target, "--dbpath", "/var/lib/rpm")
            install = (*rpm, "-i", "--nodeps", "--ignoreos", "--ignorearch")
            run(*rpm, "--initdb")
            run(*install, *base)
            if erase:
                run(*install, *[r for r in names if "bench-extra" in r.name])
                run(*rpm, "-e", "--nodeps", "bench-tools")

        return _cached(
            self.root / ("rpm" + ("-erased" if erase else "") + ("" if rocky else "-on-debian")), build
        )

    def _rpms(self) -> Path:
        def build(target: Path) -> None:
            top = self.root / "rpmbuild.partial"
            shutil.rmtree(top, ignore_errors=True)
            (top / "SPECS").mkdir(parents=True)
            for name, version, release, epoch, source in _RPM_SPECS:
                spec = top / "SPECS" / f"{name}.spec"
                spec.write_text(_rpm_spec(name, version, release, epoch, source))
                run("rpmbuild", "--define", f"_topdir {top}", "-bb", spec)
            target.mkdir()
            for built in (top / "RPMS").rglob("*.rpm"):
                shutil.copy2(built, target)
            shutil.rmtree(top)

        return _cached(self.root / "rpms", build)


def _system_jar(name: str) -> Path:
    """A jar of Debian's /usr/share/java under its versioned file name (`guava.jar` -> `guava-31.1-jre.jar`)."""
    return (Path("/usr/share/java") / name).resolve()


def _go_module(gocode: Path, package: str) -> str:
    """The import path a golang-*-dev package ships under /usr/share/gocode/src (the dir with go.mod or .go)."""
    src = gocode / "usr/share/gocode/src"
    for mod in sorted(src.rglob("go.mod")):
        path = mod.parent.relative_to(src).as_posix()
        if package.removeprefix("golang-").removesuffix("-dev").split("-")[-1] in path:
            return path
    for go_file in sorted(src.rglob("*.go")):
        path = go_file.parent.relative_to(src).as_posix()
        if package.removeprefix("golang-").removesuffix("-dev").split("-")[-1] in path:
            return path
    raise RuntimeError(f"no Go module found in {package}")


_GO_MAIN = textwrap.dedent(
    """\
    package main

    import (
    \t"fmt"

    \t"github.com/google/uuid"
    \t"github.com/pkg/errors"
    \tflag "github.com/spf13/pflag"
    )

    func main() {
    \tname := flag.String("name", "bench", "who")
    \tflag.Parse()
    \tfmt.Println(*name, uuid.New(), errors.New("ok"))
    }
    """
)

_ROCKY_OS_RELEASE = (
    'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
    'VERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n'
)

# name, version, release, epoch (0 = none), source package name
_RPM_SPECS = (
    ("bench-libs", "1.2.3", "1.el9", 0, "bench"),
    ("bench-tools", "1.2.3", "1.el9", 0, "bench"),
    ("bench-daemon", "4.0", "7.el9", 2, "bench-daemon"),
    ("bench-extra", "0.9.1", "3.el9", 0, "bench-extra"),
)


def _rpm_spec(name: str, version: str, release: str, epoch: int, source: str) -> str:
    epoch_line = f"Epoch: {epoch}\n" if epoch else ""
    # A sub-package of a differently named source shows SOURCERPM != name, as real distributions do.
    return (
        f"Name: {name}\nVersion: {version}\nRelease: {release}\n{epoch_line}Summary: bench package\n"
        f"License: MIT\nVendor: Rocky Enterprise Software Foundation\nBuildArch: noarch\n"
        f"%description\nbench package built from source {source}\n"
        f"%install\nmkdir -p %{{buildroot}}/usr/share/{name}\necho {name} > %{{buildroot}}/usr/share/{name}/README\n"
        f"%files\n/usr/share/{name}/README\n"
    )


def _entries(root: Path) -> dict[str, os.stat_result]:
    found: dict[str, os.stat_result] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            full = Path(directory) / name
            found[full.relative_to(root).as_posix()] = full.lstat()
    return found


def _same(a: os.stat_result, b: os.stat_result, path_a: Path, path_b: Path) -> bool:
    if stat.S_IFMT(a.st_mode) != stat.S_IFMT(b.st_mode) or a.st_mode != b.st_mode:
        return False
    if stat.S_ISDIR(a.st_mode):
        return True
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(path_a) == os.readlink(path_b)
    if not stat.S_ISREG(a.st_mode):
        return a.st_rdev == b.st_rdev
    if a.st_size != b.st_size or a.st_uid != b.st_uid:
        return False
    # Files from the same .deb keep its mtimes; a database rewritten within the same second does not.
    return a.st_mtime_ns == b.st_mtime_ns and filecmp.cmp(path_a, path_b, shallow=False)


def write_layer(out: Path, new: Path, old: Path | None = None) -> Path:
    """A layer tar: all of `new`, or only what differs from `old`, with whiteouts for what it lost."""
    new_entries = _entries(new)
    old_entries = _entries(old) if old is not None else {}
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(new_entries):
            before = old_entries.get(path)
            if (
                old is not None
                and before is not None
                and _same(before, new_entries[path], old / path, new / path)
            ):
                continue
            info = tar.gettarinfo(new / path, arcname=path)
            # Whole seconds, as docker/buildkit/umoci write them (Go's tar drops sub-second times),
            # so no entry needs a PAX header of its own.
            info.mtime = int(info.mtime)
            if info.isreg():
                with (new / path).open("rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
        gone = [p for p in old_entries if p not in new_entries]
        for path in sorted(gone):
            # Once a directory is whited out, its contents need no whiteouts of their own.
            if any(path.startswith(g + "/") for g in gone if g != path):
                continue
            parent, _, name = path.rpartition("/")
            info = tarfile.TarInfo((parent + "/" if parent else "") + ".wh." + name)
            tar.addfile(info)
    return out


def write_whiteouts(out: Path, paths: list[str]) -> Path:
    """A layer that only deletes `paths`."""
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            parent, _, name = path.rpartition("/")
            tar.addfile(tarfile.TarInfo(f"{parent}/.wh.{name}"))
    return out


@dataclass(frozen=True)
class Layer:
    """One layer of a bench image: a tree (whole or as a diff from another), or whiteouts."""

    name: str
    tree: Callable[[Trees], Path] | None = None
    base: Callable[[Trees], Path] | None = None
    deletes: Callable[[Trees], list[str]] | None = None


def _pip_deleted(trees: Trees) -> list[str]:
    site = trees.pip() / PYTHON_SITE
    gone = [
        p for p in site.iterdir() if p.name.lower().startswith(DELETED_PIP + "-") or p.name == DELETED_PIP
    ]
    return sorted(f"{PYTHON_SITE}/{p.name}" for p in gone)


_DEBIAN = [
    Layer("debootstrap minbase", tree=lambda t: t.debian()),
    Layer("debootstrap --include=" + ",".join(DEBIAN_EXTRAS), tree=lambda t: t.debian(DEBIAN_EXTRAS),
          base=lambda t: t.debian()),
    Layer(f"dpkg --purge {DELETED_DEB}", tree=lambda t: t.debian_purged(), base=lambda t: t.debian(DEBIAN_EXTRAS)),
]  # fmt: skip
_MINBASE = [_DEBIAN[0]]
_PIP = [
    Layer("pip install --target", tree=lambda t: t.pip()),
    Layer(f"rm -r {DELETED_PIP}", deletes=_pip_deleted),
]
_NPM = [Layer("npm install", tree=lambda t: t.npm())]
_GO = [Layer("go build", tree=lambda t: t.go())]
_JAVA = [Layer("jar", tree=lambda t: t.java())]
_RPM = [
    Layer("rpm -i", tree=lambda t: t.rpm(erase=False)),
    Layer(
        "rpm -i bench-extra; rpm -e bench-tools",
        tree=lambda t: t.rpm(erase=True),
        base=lambda t: t.rpm(False),
    ),
]
_RPM_ON_DEBIAN = [
    Layer("rpm -i", tree=lambda t: t.rpm(erase=False, rocky=False)),
    Layer(
        "rpm -i bench-extra; rpm -e bench-tools",
        tree=lambda t: t.rpm(erase=True, rocky=False),
        base=lambda t: t.rpm(erase=False, rocky=False),
    ),
]

IMAGES: dict[str, list[Layer]] = {
    "debian-minbase": _DEBIAN,
    "python-app": _DEBIAN[:2] + _PIP,
    "node-app": _MINBASE + _NPM,
    "go-app": _GO,
    "java-app": _JAVA,
    "rpm-db": _RPM,
    "everything": _DEBIAN + _PIP + _NPM + _GO + _JAVA + _RPM_ON_DEBIAN,
}
"""Image name -> layers, bottom first."""


def build_image(workdir: Path, name: str) -> Path:
    """The docker-archive tarball of image `name` (built, or taken from the cache)."""
    trees = Trees(workdir / "trees")
    images = workdir / "images"
    images.mkdir(parents=True, exist_ok=True)

    def build(target: Path) -> None:
        layout = images / f"{name}.layout"
        shutil.rmtree(layout, ignore_errors=True)
        run("umoci", "init", "--layout", layout)
        run("umoci", "new", "--image", f"{layout}:{name}")
        for index, layer in enumerate(IMAGES[name]):
            tar = images / f"{name}.layer{index}.tar"
            if layer.deletes is not None:
                write_whiteouts(tar, layer.deletes(trees))
            else:
                assert layer.tree is not None
                write_layer(tar, layer.tree(trees), layer.base(trees) if layer.base else None)
            run(
                "umoci",
                "raw",
                "add-layer",
                "--image",
                f"{layout}:{name}",
                "--history.created_by",
                layer.name,
                tar,
            )
            tar.unlink()
        run("umoci", "config", "--image", f"{layout}:{name}", "--config.cmd", "/bin/sh")
        run(
            "skopeo",
            "copy",
            "--quiet",
            f"oci:{layout}:{name}",
            f"docker-archive:{target}:localhost/bench/{name}:1",
        )
        shutil.rmtree(layout)

    return _cached(images / f"{name}.tar", build)


def unpack_image(workdir: Path, name: str) -> Path:
    """The image's merged root filesystem (for each ecosystem's own tool), unpacked once by umoci."""
    tarball = build_image(workdir, name)
    unpacked = workdir / "rootfs"
    unpacked.mkdir(exist_ok=True)

    def build(target: Path) -> None:
        layout = unpacked / f"{name}.layout"
        shutil.rmtree(layout, ignore_errors=True)
        run("skopeo", "copy", "--quiet", f"docker-archive:{tarball}", f"oci:{layout}:{name}")
        run("umoci", "unpack", "--image", f"{layout}:{name}", target)
        shutil.rmtree(layout)

    return _cached(unpacked / name, build) / "rootfs"
