"""Real-looking account files (a Debian bookworm image with one application user) for the baseline tests."""

from __future__ import annotations

import datetime
from functools import cache

import crypt_r

from openhss.scan.interface import ImageConfig, LayerFile

TODAY = datetime.date(2026, 11, 27)
STRONG = "vR2#pLm!9qK-zT4w"
YESCRYPT_SALT = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$"

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
app:x:1000:1000:Application,,,:/home/app:/bin/bash
"""

GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
man:x:12:
sudo:x:27:
www-data:x:33:
shadow:x:42:
users:x:100:app
games:x:60:
nogroup:x:65534:
app:x:1000:
"""

GSHADOW = """\
root:*::
daemon:*::
disk:*::
sudo:*::
shadow:*::
users:*::app
app:!::
"""


@cache
def sha512(password: str) -> str:
    return crypt_r.crypt(password, crypt_r.mksalt(crypt_r.METHOD_SHA512))


def md5(password: str) -> str:
    return crypt_r.crypt(password, crypt_r.mksalt(crypt_r.METHOD_MD5))


def des(password: str) -> str:
    return crypt_r.crypt(password, "x7")


def yescrypt(password: str) -> str:
    return crypt_r.crypt(password, YESCRYPT_SALT)


def shadow(app_hash: str | None = None, app_aging: str = "19700:0:90:7:::") -> str:
    system = [
        "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "www-data", "nobody", "_apt",
    ]  # fmt: skip
    lines = ["root:*:19700:0:99999:7:::"]
    lines += [f"{name}:*:19700:0:99999:7:::" for name in system]
    lines.append(f"app:{app_hash or sha512(STRONG)}:{app_aging}")
    return "\n".join(lines) + "\n"


def layer_file(path: str, text: str | bytes, mode: int = 0o644) -> LayerFile:
    content = text.encode() if isinstance(text, str) else text
    return LayerFile(path=path, layer="sha256:" + "ab" * 32, size=len(content), mode=mode, content=content)


def account_files(
    passwd: str = PASSWD, shadow_text: str | None = None, group: str = GROUP, gshadow: str = GSHADOW
) -> dict[str, LayerFile]:
    return {
        "etc/passwd": layer_file("etc/passwd", passwd),
        "etc/shadow": layer_file("etc/shadow", shadow_text if shadow_text is not None else shadow(), 0o640),
        "etc/group": layer_file("etc/group", group),
        "etc/gshadow": layer_file("etc/gshadow", gshadow, 0o640),
    }


SAFE_CONFIG = ImageConfig(
    image_id="sha256:" + "cd" * 32,
    user="app",
    env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"),
    history=(
        "/bin/sh -c #(nop) ADD file:4b1d8a5a8d0c3b7f in / ",
        '/bin/sh -c #(nop)  CMD ["bash"]',
        "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends sudo curl "
        "&& rm -rf /var/lib/apt/lists/* # buildkit",
        "USER app",
    ),
    healthcheck=("CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"),
    repo_tags=("registry.example.com:5000/shop/api:1.4.2",),
)
