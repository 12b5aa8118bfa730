import dataclasses

import pytest

from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer, PasswordBudget, evaluate
from openhss.scan.interface import BuildRisk, ImageConfig, LayerFile
from tests.scan.baseline.baseline_fixtures import SAFE_CONFIG, TODAY, account_files, layer_file


def risks(config: ImageConfig = SAFE_CONFIG, extra: dict[str, LayerFile] | None = None) -> list[BuildRisk]:
    files = account_files() | (extra or {})
    report = evaluate(files, config, today=TODAY, budget=PasswordBudget(max_hashes=0))
    assert report.unsafe_settings == ()
    return list(report.build_risks)


def ids(found: list[BuildRisk]) -> list[str]:
    return [r.check_id for r in found]


def test_safe_config_has_no_build_risks() -> None:
    assert risks() == []


@pytest.mark.parametrize("user", ["", "root", "0", "0:0", "root:root"])
def test_runs_as_root(user: str) -> None:
    found = risks(dataclasses.replace(SAFE_CONFIG, user=user))
    assert ids(found) == ["BUILD-ROOT-USER"]


def test_non_root_numeric_user_passes() -> None:
    assert risks(dataclasses.replace(SAFE_CONFIG, user="1000:1000")) == []


@pytest.mark.parametrize("healthcheck", [(), ("NONE",)])
def test_no_healthcheck(healthcheck: tuple[str, ...]) -> None:
    assert ids(risks(dataclasses.replace(SAFE_CONFIG, healthcheck=healthcheck))) == ["BUILD-NO-HEALTHCHECK"]


SECRET_ENV = [
    "MYSQL_ROOT_PASSWORD=s3cr3t-Pa55",
    "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "EXTRA=AKIAIOSFODNN7EXAMPLE",
    "DATABASE_URL=postgresql://shop:hunter2@db:5432/shop",
    "TLS=-----BEGIN RSA PRIVATE KEY-----MIIEow",
    "STRIPE_API_KEY=sk_live_51H8",
]
SAFE_ENV = [
    "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
    "PASSWORD_FILE=/run/secrets/db_password",
    "DB_PASSWORD=",
    "PWD=/app",
    "TOKENIZERS_PARALLELISM=false",
    "PYTHON_SHA256=8fb5f9fbc7609fa822cb31549884575db7fd9657cbffb89510b5d7975963a83a",
    "KEYCLOAK_URL=https://sso.example.com/auth",
]


@pytest.mark.parametrize("entry", SECRET_ENV)
def test_secret_in_env_is_reported_without_its_value(entry: str) -> None:
    found = risks(dataclasses.replace(SAFE_CONFIG, env=(*SAFE_CONFIG.env, entry)))
    assert ids(found) == ["BUILD-SECRET-ENV"]
    name, _, value = entry.partition("=")
    assert found[0].evidence.startswith(f"ENV {name} ")
    assert value not in found[0].evidence and value not in found[0].title
    assert found[0].risk_level == "High"


def test_non_secret_env_passes() -> None:
    assert risks(dataclasses.replace(SAFE_CONFIG, env=tuple(SAFE_ENV))) == []


@pytest.mark.parametrize(
    "created_by",
    [
        "ADD https://downloads.example.com/app-1.4.2.tar.gz /opt/ # buildkit",
        "/bin/sh -c #(nop) ADD --chown=app:app http://mirror.example.org/tool /usr/local/bin/tool",
    ],
)
def test_add_of_remote_url(created_by: str) -> None:
    found = risks(dataclasses.replace(SAFE_CONFIG, history=(*SAFE_CONFIG.history, created_by)))
    assert ids(found) == ["BUILD-ADD-REMOTE"]


@pytest.mark.parametrize(
    "created_by",
    [
        "RUN /bin/sh -c sudo apt-get install -y nginx # buildkit",
        "/bin/sh -c apt-get update && sudo -u app make install",
        "|1 VERSION=2 /bin/sh -c set -eux; sudo chown app /srv",
    ],
)
def test_sudo_in_run(created_by: str) -> None:
    found = risks(dataclasses.replace(SAFE_CONFIG, history=(*SAFE_CONFIG.history, created_by)))
    assert ids(found) == ["BUILD-SUDO"]


@pytest.mark.parametrize("tag", ["shop/api:latest", "shop/api", "localhost:5000/shop/api"])
def test_latest_tag(tag: str) -> None:
    assert ids(risks(dataclasses.replace(SAFE_CONFIG, repo_tags=(tag,)))) == ["BUILD-LATEST-TAG"]


CREDENTIALS = {
    "root/.aws/credentials": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    "root/.docker/config.json": '{"auths": {"registry.example.com": {"auth": "Ym90OnMzY3IzdA=="}}}',
    "home/app/.ssh/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n",
    "app/.npmrc": "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n",
    "root/.pypirc": "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n",
    "root/.git-credentials": "https://ci-bot:ghp_abcdefghijklmnop@github.com\n",
}
BENIGN_CREDENTIAL_LOOKALIKES = {
    "root/.docker/config.json": '{"auths": {}, "credsStore": "desktop"}',
    "app/.npmrc": "registry=https://registry.npmjs.org/\nsave-exact=true\n",
    "usr/lib/python3/dist-packages/paramiko/tests/id_rsa": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n",
}


@pytest.mark.parametrize("path", sorted(CREDENTIALS))
def test_credential_file(path: str) -> None:
    analyzer = BuildFilesAnalyzer()
    assert analyzer.claims(path, 0o600, 100)
    (kept,) = analyzer.analyze(layer_file(path, CREDENTIALS[path], 0o600))
    found = risks(extra={path: kept})
    assert [(r.check_id, r.evidence) for r in found] == [("BUILD-CREDENTIAL-FILE", path)]
    assert "wJalr" not in found[0].title + found[0].evidence


def test_credential_lookalikes_pass() -> None:
    analyzer = BuildFilesAnalyzer()
    extra = {p: analyzer.analyze(layer_file(p, t))[0] for p, t in BENIGN_CREDENTIAL_LOOKALIKES.items()}
    assert risks(extra=extra) == []


def test_setuid_and_setgid_files_are_claimed_by_mode() -> None:
    analyzer = BuildFilesAnalyzer()
    assert analyzer.claims("usr/bin/passwd", 0o4755, 68248)
    assert analyzer.claims("usr/bin/chage", 0o2755, 80376)
    assert not analyzer.claims("usr/bin/ls", 0o755, 147176)
    extra = {
        "usr/bin/passwd": analyzer.analyze(layer_file("usr/bin/passwd", b"\x7fELF" + b"\0" * 60, 0o4755))[0],
        "usr/bin/chage": analyzer.analyze(layer_file("usr/bin/chage", b"\x7fELF" + b"\0" * 60, 0o2755))[0],
    }
    assert all(f.content == b"" for f in extra.values())
    found = risks(extra=extra)
    assert [(r.check_id, r.evidence) for r in found] == [
        ("BUILD-SETUID", "usr/bin/chage (2755)"),
        ("BUILD-SETUID", "usr/bin/passwd (4755)"),
    ]


@pytest.mark.parametrize(
    ("paths", "kind"),
    [
        (["var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"], "apt lists"),
        (["var/cache/apt/archives/curl_7.88.1-10_amd64.deb"], "apt archives"),
        (["var/cache/apk/APKINDEX.7c1f02d6.tar.gz"], "apk cache"),
        (["var/cache/dnf/appstream-25a8f4c2/repodata/repomd.xml"], "dnf cache"),
        (["var/cache/yum/x86_64/7/base/packages/bash.rpm"], "yum cache"),
        (["root/.cache/pip/http-v2/a/b/c/d/e/abcdef.body"], "pip cache"),
        (["home/app/.cache/pip/wheels/aa/bb/x.whl"], "pip cache"),
    ],
)
def test_package_cache_left_behind(paths: list[str], kind: str) -> None:
    analyzer = BuildFilesAnalyzer()
    assert all(analyzer.claims(p, 0o644, 1000) for p in paths)
    found = risks(extra={p: layer_file(p, b"") for p in paths})
    assert ids(found) == ["BUILD-PACKAGE-CACHE"]
    assert kind in found[0].title


def test_cleaned_cache_markers_are_not_claimed() -> None:
    analyzer = BuildFilesAnalyzer()
    for path in ("var/lib/apt/lists/lock", "var/lib/apt/lists/partial/x", "var/cache/apt/pkgcache.bin"):
        assert not analyzer.claims(path, 0o644, 0), path


def test_the_two_analyzers_never_claim_the_same_path() -> None:
    accounts, build = AccountFilesAnalyzer(), BuildFilesAnalyzer()
    for path in ("etc/shadow", "etc/passwd", "root/.rhosts", "root/.ssh/authorized_keys"):
        assert accounts.claims(path, 0o4755, 10) and not build.claims(path, 0o4755, 10)
