import pytest

from openhss.scan.baseline import ALL_CHECKS, AccountFilesAnalyzer, PasswordBudget, evaluate
from openhss.scan.baseline.accounts import AccountFiles
from openhss.scan.baseline.checks import password_records
from openhss.scan.baseline.passwords import find_weak_passwords
from openhss.scan.interface import LayerFile, UnsafeSetting
from tests.scan.baseline.baseline_fixtures import (
    GROUP,
    GSHADOW,
    PASSWD,
    SAFE_CONFIG,
    STRONG,
    TODAY,
    account_files,
    des,
    layer_file,
    md5,
    sha512,
    shadow,
    yescrypt,
)


def settings(files: dict[str, LayerFile], budget: PasswordBudget | None = None) -> list[UnsafeSetting]:
    return list(evaluate(files, SAFE_CONFIG, today=TODAY, budget=budget).unsafe_settings)


NO_GUESSING = PasswordBudget(max_hashes=0)
"""Checks other than PWD-WEAK do not need the (slow by design) guessing."""


def failed(files: dict[str, LayerFile], check_id: str) -> list[UnsafeSetting]:
    budget = None if check_id == "PWD-WEAK" else NO_GUESSING
    return [s for s in settings(files, budget) if s.check_id == check_id]


def test_clean_debian_image_passes_every_check() -> None:
    assert settings(account_files()) == []


def test_claims_account_and_trust_files_only() -> None:
    analyzer = AccountFilesAnalyzer()
    for path in (
        "etc/passwd", "etc/shadow", "etc/group", "etc/gshadow", "etc/hosts.equiv",
        "root/.rhosts", "home/app/.rhosts", "root/.ssh/authorized_keys",
    ):  # fmt: skip
        assert analyzer.claims(path, 0o644, 100), path
    for path in ("etc/passwd-", "usr/share/base-passwd/passwd.master", "home/app/.ssh/authorized_keys"):
        assert not analyzer.claims(path, 0o644, 100), path
    file = layer_file("etc/passwd", PASSWD)
    assert analyzer.analyze(file) == (file,)


def test_every_check_has_a_stable_id_and_a_known_level() -> None:
    assert len({c.id for c in ALL_CHECKS}) == len(ALL_CHECKS) == 19
    assert {c.risk for c in ALL_CHECKS} == {"High", "Medium", "Low"}
    assert {c.check_name for c in ALL_CHECKS} == {
        "account_files", "privileged_groups", "password_policy", "remote_trust",
    }  # fmt: skip


def test_duplicate_user_name() -> None:
    found = failed(account_files(passwd=PASSWD + "app:x:1001:1000::/home/app2:/bin/sh\n"), "ACCT-DUP-USER")
    assert [(f.path, f.line, f.account) for f in found] == [("etc/passwd", 15, "app")]
    assert found[0].risk_level == "Medium" and found[0].check_name == "account_files" and found[0].fix


def test_duplicate_uid() -> None:
    found = failed(
        account_files(passwd=PASSWD + "deploy:x:1000:1000::/home/deploy:/bin/sh\n"), "ACCT-DUP-UID"
    )
    assert [(f.line, f.account) for f in found] == [(15, "deploy")]
    assert "app" in found[0].title


def test_non_root_uid_zero() -> None:
    files = account_files(passwd=PASSWD.replace("sync:x:4:65534", "toor:x:0:0"))
    found = failed(files, "ACCT-UID0")
    assert [(f.line, f.account, f.risk_level) for f in found] == [(5, "toor", "High")]


def test_shared_password_hash() -> None:
    hashed = sha512(STRONG)
    text = shadow(hashed) + f"deploy:{hashed}:19700:0:90:7:::\n"
    found = failed(account_files(shadow_text=text), "PWD-SHARED-HASH")
    assert [f.account for f in found] == ["deploy"]


@pytest.mark.parametrize(("hasher", "scheme"), [(des, "DES"), (md5, "MD5")])
def test_weak_hash_algorithm(hasher: object, scheme: str) -> None:
    assert callable(hasher)
    found = failed(account_files(shadow_text=shadow(hasher("Tr0ub4dor&3x"))), "PWD-WEAK-HASH")
    assert [(f.account, f.path, f.line) for f in found] == [("app", "etc/shadow", 14)]
    assert scheme in found[0].title


def test_strong_hash_algorithms_pass() -> None:
    assert failed(account_files(shadow_text=shadow(yescrypt(STRONG))), "PWD-WEAK-HASH") == []


def test_empty_password_in_shadow_and_in_passwd() -> None:
    files = account_files(
        passwd=PASSWD.replace("games:x:", "games::"), shadow_text=shadow().replace("root:*:", "root::")
    )
    found = failed(files, "PWD-EMPTY")
    assert sorted((f.account, f.path) for f in found) == [("games", "etc/passwd"), ("root", "etc/shadow")]


def test_locked_and_disabled_passwords_are_not_empty() -> None:
    text = shadow().replace("root:*:", "root:!:").replace("bin:*:", "bin:!*:")
    assert failed(account_files(shadow_text=text), "PWD-EMPTY") == []


def test_duplicate_group_name_and_gid() -> None:
    files = account_files(group=GROUP + "app:x:1001:\ndevs:x:1000:\n")
    assert [(f.line, f.account) for f in failed(files, "GRP-DUP-NAME")] == [(19, "app")]
    assert [(f.line, f.account) for f in failed(files, "GRP-DUP-GID")] == [(20, "devs")]


@pytest.mark.parametrize("group", ["sudo", "docker", "wheel", "disk", "root"])
def test_unprivileged_member_of_privileged_group(group: str) -> None:
    text = GROUP + "docker:x:999:\nwheel:x:10:\n"
    text = text.replace(f"\n{group}:x:", f"\n{group}:x:").replace(
        next(line for line in text.splitlines() if line.startswith(f"{group}:")),
        next(line for line in text.splitlines() if line.startswith(f"{group}:")) + "app",
    )
    found = failed(account_files(group=text), "GRP-PRIV-MEMBER")
    assert [(f.account, f.check_name) for f in found] == [("app", "privileged_groups")]
    assert group in found[0].title


def test_root_in_privileged_group_and_primary_group_membership() -> None:
    files = account_files(
        passwd=PASSWD.replace("app:x:1000:1000", "app:x:1000:27"),
        group=GROUP.replace("sudo:x:27:", "sudo:x:27:root"),
    )
    found = failed(files, "GRP-PRIV-MEMBER")
    assert [(f.account, f.path) for f in found] == [("app", "etc/passwd")]


def test_legacy_plus_entries() -> None:
    files = account_files(
        passwd=PASSWD + "+::::::\n", shadow_text=shadow() + "+::::::::\n", group=GROUP + "+:::\n"
    )
    found = failed(files, "ACCT-LEGACY-PLUS")
    assert sorted(f.path for f in found) == ["etc/group", "etc/passwd", "etc/shadow"]


def test_primary_group_missing() -> None:
    files = account_files(passwd=PASSWD + "svc:x:1001:1001::/srv:/usr/sbin/nologin\n")
    assert [f.account for f in failed(files, "GRP-MISSING-PRIMARY")] == ["svc"]


def test_password_without_expiry_only_for_usable_passwords() -> None:
    found = failed(account_files(shadow_text=shadow(app_aging="19700:0:99999:7:::")), "PWD-NO-EXPIRY")
    assert [f.account for f in found] == ["app"]
    assert failed(account_files(shadow_text=shadow(app_aging="19700:0::7:::")), "PWD-NO-EXPIRY")


def test_password_change_date_in_the_future() -> None:
    future = (TODAY.toordinal() - 719163) + 30
    found = failed(account_files(shadow_text=shadow(app_aging=f"{future}:0:90:7:::")), "PWD-FUTURE-CHANGE")
    assert [f.account for f in found] == ["app"]


def test_host_trust_files() -> None:
    files = account_files()
    files["etc/hosts.equiv"] = layer_file("etc/hosts.equiv", "# trusted hosts\n+ +\n")
    files["home/app/.rhosts"] = layer_file("home/app/.rhosts", "build01.example.com app\n")
    found = settings(files, NO_GUESSING)
    assert [(f.check_id, f.path, f.line, f.account) for f in found] == [
        ("TRUST-HOSTS-EQUIV", "etc/hosts.equiv", 2, ""),
        ("TRUST-RHOSTS", "home/app/.rhosts", 1, "app"),
    ]


def test_empty_trust_files_pass() -> None:
    files = account_files()
    files["etc/hosts.equiv"] = layer_file("etc/hosts.equiv", "# none\n")
    files["root/.rhosts"] = layer_file("root/.rhosts", "")
    assert settings(files, NO_GUESSING) == []


def test_preset_root_authorized_keys() -> None:
    files = account_files()
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1k3pE0mXo3wUu8c6yJm0t9xG1v2bqQe7y8n5rZkX1 ops@bastion\n"
    files["root/.ssh/authorized_keys"] = layer_file("root/.ssh/authorized_keys", key)
    found = failed(files, "TRUST-ROOT-KEYS")
    assert [(f.account, f.line, f.risk_level) for f in found] == [("root", 1, "Medium")]


def test_root_primary_group_not_zero() -> None:
    files = account_files(passwd=PASSWD.replace("root:x:0:0:", "root:x:0:100:"))
    assert [f.account for f in failed(files, "ACCT-ROOT-GID")] == ["root"]


def test_shadow_group_members() -> None:
    files = account_files(group=GROUP.replace("shadow:x:42:", "shadow:x:42:app"))
    files["etc/gshadow"] = layer_file("etc/gshadow", GSHADOW.replace("shadow:*::", "shadow:*::www-data"))
    found = failed(files, "GRP-SHADOW-MEMBER")
    assert sorted((f.account, f.path) for f in found) == [("app", "etc/group"), ("www-data", "etc/gshadow")]
    assert failed(files, "GRP-PRIV-MEMBER") == []


@pytest.mark.parametrize("hasher", [yescrypt, sha512, md5, des])
def test_weak_password_from_the_common_list(hasher: object) -> None:
    assert callable(hasher)
    found = failed(account_files(shadow_text=shadow(hasher("password"))), "PWD-WEAK")
    assert [(f.account, f.risk_level, f.line) for f in found] == [("app", "High", 14)]
    assert "password" not in found[0].title.replace("password of", "").replace("common password", "")


def test_password_equal_to_account_name_is_weak() -> None:
    found = failed(account_files(shadow_text=shadow(sha512("app"))), "PWD-WEAK")
    assert [f.account for f in found] == ["app"]


def test_strong_password_is_not_weak() -> None:
    assert failed(account_files(shadow_text=shadow(sha512(STRONG))), "PWD-WEAK") == []


def test_weak_password_check_reports_its_time_bound() -> None:
    report = evaluate(
        account_files(shadow_text=shadow(yescrypt(STRONG))),
        SAFE_CONFIG,
        today=TODAY,
        budget=PasswordBudget(seconds=0.2),
    )
    assert [n for n in report.notes if "stopped after 0.2 s" in n]


def test_weak_password_check_reports_its_hash_bound() -> None:
    text = shadow() + "".join(f"u{i}:{md5(f'{STRONG}{i}')}:19700:0:90:7:::\n" for i in range(3))
    report = evaluate(
        account_files(shadow_text=text), SAFE_CONFIG, today=TODAY, budget=PasswordBudget(max_hashes=2)
    )
    assert any("2 of 4 password hashes" in n for n in report.notes)


class _UnwalkableWords(list[str]):
    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the word list was walked")


def test_weak_password_check_without_usable_hashes_does_not_walk_the_word_list() -> None:
    locked = "root:*:19700:0:90:7:::\napp:!:19700:0:90:7:::\n"
    records = password_records(AccountFiles.parse(account_files(shadow_text=locked)))
    result = find_weak_passwords(records, PasswordBudget(), words=_UnwalkableWords(["123456"]))
    assert result.weak == () and result.notes == ()
    # With no accounts at all (an image without /etc/shadow) the same.
    assert find_weak_passwords([], PasswordBudget(), words=_UnwalkableWords()).notes == ()
