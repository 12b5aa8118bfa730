import pytest

from openhss.scan.distro import detect, parse_os_release, purl_distro, release_tag
from openhss.scan.interface import Distro


@pytest.mark.parametrize(
    ("distro", "tag", "qualifier"),
    [
        (Distro("debian", "12"), "debian:12", "debian-12"),
        (Distro("debian", "12.5"), "debian:12", "debian-12.5"),
        (Distro("alpine", "3.19.1"), "alpine:3.19", "alpine-3.19.1"),
        (Distro("ubuntu", "22.04"), "ubuntu:22.04", "ubuntu-22.04"),
        (Distro("rhel", "9.3"), "rhel:9", "rhel-9.3"),
        (Distro("rocky", "8.9"), "rocky:8", "rocky-8.9"),
        (Distro("arch", ""), "arch", "arch"),
        (Distro("debian", "trixie/sid"), "debian:trixie/sid", "debian-trixie/sid"),
    ],
)
def test_release_tags(distro: Distro, tag: str, qualifier: str) -> None:
    assert release_tag(distro) == tag
    assert purl_distro(distro) == qualifier


def test_os_release_quoting() -> None:
    text = '# comment\nID="centos"\r\nVERSION_ID=\'7\'\nPRETTY_NAME="CentOS \\"Linux\\" 7"\nbroken line\n'
    assert parse_os_release(text) == {"ID": "centos", "VERSION_ID": "7", "PRETTY_NAME": 'CentOS "Linux" 7'}


def test_debian_testing_takes_its_version_from_debian_version() -> None:
    files = {
        "etc/os-release": 'ID=debian\nPRETTY_NAME="Debian GNU/Linux trixie/sid"\n',
        "etc/debian_version": "trixie/sid\n",
    }
    assert detect(files.get) == Distro("debian", "trixie/sid", "Debian GNU/Linux trixie/sid")


def test_redhat_family_fallbacks() -> None:
    assert detect({"etc/centos-release": "CentOS Linux release 7.9.2009 (Core)\n"}.get) == Distro(
        "centos", "7.9.2009", "CentOS Linux release 7.9.2009 (Core)"
    )
    assert detect({"etc/redhat-release": "Something else\n"}.get) is None
