"""java cataloger over archives the test builds with the JDK's `jar` from `testdata/java/`.

`app.ear` holds `webapp-3.1.0.war`, which holds `WEB-INF/lib/commons-fixture-1.2.0.jar` (its own
pom.properties plus a shaded guava's) and `legacy-util-0.9.4.jar` (manifest only, no pom.properties).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from openhss.scan.catalog.java import CATALOGER, parse_manifest
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file

pytestmark = pytest.mark.skipif(shutil.which("jar") is None, reason="needs a JDK's jar")

SOURCE = TESTDATA / "java"


def jar(out: Path, source: Path, manifest: Path | None = None) -> Path:
    command = ["jar", "--create", "--file", str(out)]
    if manifest is not None:
        command += ["--manifest", str(manifest)]
    subprocess.run([*command, "-C", str(source), "."], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("java")
    war_tree = root / "webapp"
    ear_tree = root / "app-ear"
    shutil.copytree(SOURCE / "webapp", war_tree)
    shutil.copytree(SOURCE / "app-ear", ear_tree)
    (war_tree / "WEB-INF" / "lib").mkdir()
    jar(war_tree / "WEB-INF" / "lib" / "commons-fixture-1.2.0.jar", SOURCE / "commons-fixture")
    jar(
        war_tree / "WEB-INF" / "lib" / "legacy-util-0.9.4.jar",
        SOURCE / "legacy-util",
        SOURCE / "legacy-util.mf",
    )
    jar(ear_tree / "webapp-3.1.0.war", war_tree)
    jar(root / "app.ear", ear_tree)
    return {
        "ear": (root / "app.ear").read_bytes(),
        "war": (ear_tree / "webapp-3.1.0.war").read_bytes(),
        "legacy": (war_tree / "WEB-INF" / "lib" / "legacy-util-0.9.4.jar").read_bytes(),
    }


def test_claims_java_archives() -> None:
    for path in (
        "app/lib/a.jar",
        "srv/app.war",
        "x/app.ear",
        "var/jenkins/plugins/git.jpi",
        "p/x.hpi",
        "A.JAR",
    ):
        assert CATALOGER.claims(path, 0o644, 1), path
    assert not CATALOGER.claims("app/lib/a.jar.sha1", 0o644, 1)
    assert not CATALOGER.claims("app/classes/A.class", 0o644, 1)


def test_nested_archives(archives: dict[str, bytes]) -> None:
    found = CATALOGER.analyze(as_layer_file("opt/app.ear", archives["ear"]))
    assert sorted((c.path, c.name, c.version) for c in found) == [
        ("opt/app.ear!webapp-3.1.0.war", "org.openhss.fixture:webapp", "3.1.0"),
        (
            "opt/app.ear!webapp-3.1.0.war!WEB-INF/lib/commons-fixture-1.2.0.jar",
            "com.google.guava:guava",
            "31.1-jre",
        ),
        (
            "opt/app.ear!webapp-3.1.0.war!WEB-INF/lib/commons-fixture-1.2.0.jar",
            "org.openhss.fixture:commons-fixture",
            "1.2.0",
        ),
        ("opt/app.ear!webapp-3.1.0.war!WEB-INF/lib/legacy-util-0.9.4.jar", "com.legacy:legacy-util", "0.9.4"),
    ]
    purls = {c.purl for c in found}
    assert "pkg:maven/org.openhss.fixture/commons-fixture@1.2.0" in purls
    assert "pkg:maven/com.legacy/legacy-util@0.9.4" in purls
    assert all(c.ecosystem == "maven" and c.layer for c in found)


def test_manifest_fallback(archives: dict[str, bytes]) -> None:
    (component,) = CATALOGER.analyze(
        as_layer_file("usr/share/java/legacy-util-0.9.4.jar", archives["legacy"])
    )
    assert (component.name, component.version, component.path) == (
        "com.legacy:legacy-util",
        "0.9.4",
        "usr/share/java/legacy-util-0.9.4.jar",
    )
    # A renamed jar still gets its name from the manifest.
    (renamed,) = CATALOGER.analyze(as_layer_file("app/util.jar", archives["legacy"]))
    assert (renamed.name, renamed.version) == ("com.legacy:legacy-util", "0.9.4")


def test_depth_is_bounded() -> None:
    inner = b""
    for level in range(8):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(
                f"META-INF/maven/g/a{level}/pom.properties", f"groupId=g\nartifactId=a{level}\nversion=1"
            )
            if inner:
                archive.writestr("lib/inner.jar", inner)
        inner = buffer.getvalue()
    found = CATALOGER.analyze(as_layer_file("deep.jar", inner))
    assert [c.name for c in found] == ["g:a7", "g:a6", "g:a5", "g:a4"]


def test_damaged_archives(archives: dict[str, bytes]) -> None:
    for content in (b"", b"PK\x03\x04garbage", archives["war"][: len(archives["war"]) // 2]):
        assert CATALOGER.analyze(as_layer_file("a.war", content)) == []
    manifest = parse_manifest(
        "Manifest-Version: 1.0\nImplementation-Title: a-very-long-ti\n tle\n\nName: x\nA: b\n"
    )
    assert manifest == {"Manifest-Version": "1.0", "Implementation-Title": "a-very-long-title"}


def test_file_name_when_nothing_else() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("com/example/A.class", b"\xca\xfe\xba\xbe")
    (component,) = CATALOGER.analyze(as_layer_file("lib/spring-core-5.3.9.RELEASE.jar", buffer.getvalue()))
    assert (component.name, component.version) == ("spring-core", "5.3.9.RELEASE")
    assert component.purl == "pkg:maven/spring-core@5.3.9.RELEASE"
