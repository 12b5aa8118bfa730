"""The image baseline's rules and the concerns they belong to: pure data, run by `scan/baseline` and
listed per image by the server (the provider's ListImageRiskConfigs); it imports nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BaselineConcern:
    """A group of rules about one concern (the provider's baseline, `check_name`)."""

    check_name: str
    """Stable name, e.g. `account_files`."""
    description: str
    """What the concern's rules guard against (the provider's `check_type_desc`)."""


@dataclass(frozen=True)
class BaselineRule:
    """One rule (the provider's check item); each failure of it in an image is one unsafe setting."""

    id: str
    """Stable id (the provider's `check_rule_id`), e.g. `ACCT-UID0`."""
    check_name: str
    """The concern it belongs to."""
    risk: str
    """High, Medium or Low: the risk when the rule fails."""
    name: str
    """What the rule requires, in one line (the provider's `check_rule_name`)."""
    fix: str
    """How to fix a failure."""


CONCERNS = (
    BaselineConcern(
        "account_files",
        "Account files (/etc/passwd, shadow, group, gshadow) are consistent: root is the only account "
        "with UID 0, names and IDs are unique, there are no legacy NIS '+' entries and every primary "
        "group exists.",
    ),
    BaselineConcern(
        "privileged_groups",
        "No unprivileged account belongs to a group that is root or one step from it (root, wheel, "
        "sudo, admin, docker, disk) or that reads every password hash (shadow).",
    ),
    BaselineConcern(
        "password_policy",
        "Every password an account logs in with is set, strongly hashed, not on common guess lists, "
        "not shared with another account, and expires.",
    ),
    BaselineConcern(
        "remote_trust",
        "The image grants no password-less access from other hosts (hosts.equiv, .rhosts) and ships "
        "no SSH keys that log in as root.",
    ),
)
"""Every concern, in report order."""

RULES = (
    BaselineRule(
        "ACCT-UID0",
        "account_files",
        "High",
        "Only root has UID 0",
        "Give the account a unique non-zero UID or remove it.",
    ),
    BaselineRule(
        "ACCT-LEGACY-PLUS",
        "account_files",
        "High",
        "No legacy '+' NIS entries in the account files",
        "Remove the legacy '+' NIS entry.",
    ),
    BaselineRule(
        "ACCT-DUP-USER",
        "account_files",
        "Medium",
        "User names are unique",
        "Remove or rename the duplicate entry.",
    ),
    BaselineRule(
        "ACCT-DUP-UID",
        "account_files",
        "Medium",
        "Every account has its own UID",
        "Give each account its own UID.",
    ),
    BaselineRule(
        "ACCT-ROOT-GID",
        "account_files",
        "Low",
        "root's primary group is GID 0",
        "Set root's primary group to GID 0.",
    ),
    BaselineRule(
        "GRP-DUP-NAME",
        "account_files",
        "Low",
        "Group names are unique",
        "Remove or rename the duplicate group.",
    ),
    BaselineRule(
        "GRP-DUP-GID", "account_files", "Low", "Every group has its own GID", "Give each group its own GID."
    ),
    BaselineRule(
        "GRP-MISSING-PRIMARY",
        "account_files",
        "Low",
        "Every primary group exists in /etc/group",
        "Add the primary group to /etc/group or change the GID.",
    ),
    BaselineRule(
        "GRP-PRIV-MEMBER",
        "privileged_groups",
        "Medium",
        "No unprivileged account is in a privileged group",
        "Remove the account from the privileged group.",
    ),
    BaselineRule(
        "GRP-SHADOW-MEMBER",
        "privileged_groups",
        "Medium",
        "The shadow group has no members",
        "Leave the shadow group without members.",
    ),
    BaselineRule(
        "PWD-EMPTY",
        "password_policy",
        "High",
        "No account has an empty password",
        "Set a password or lock the account (passwd -l).",
    ),
    BaselineRule(
        "PWD-WEAK-HASH",
        "password_policy",
        "High",
        "No password is hashed with DES or MD5",
        "Reset the password with yescrypt or sha512crypt.",
    ),
    BaselineRule(
        "PWD-WEAK",
        "password_policy",
        "High",
        "No account uses a common password",
        "Set a strong password or lock the account.",
    ),
    BaselineRule(
        "PWD-SHARED-HASH",
        "password_policy",
        "Medium",
        "No two accounts share a password",
        "Give each account its own password.",
    ),
    BaselineRule(
        "PWD-NO-EXPIRY",
        "password_policy",
        "Low",
        "Every password expires",
        "Set a maximum password age (chage -M 90) or lock it.",
    ),
    BaselineRule(
        "PWD-FUTURE-CHANGE",
        "password_policy",
        "Low",
        "No password was last changed in the future",
        "Reset the last change date (chage -d) to a past date.",
    ),
    BaselineRule(
        "TRUST-HOSTS-EQUIV",
        "remote_trust",
        "High",
        "No /etc/hosts.equiv trusts remote hosts",
        "Delete /etc/hosts.equiv.",
    ),
    BaselineRule(
        "TRUST-RHOSTS",
        "remote_trust",
        "High",
        "No .rhosts file trusts remote hosts",
        "Delete the .rhosts file.",
    ),
    BaselineRule(
        "TRUST-ROOT-KEYS",
        "remote_trust",
        "Medium",
        "No SSH keys are preset for root",
        "Do not bake root's authorized_keys into the image.",
    ),
)
"""Every rule, in report order (grouped by concern)."""

RULES_BY_ID = {rule.id: rule for rule in RULES}
"""Each rule under its id."""
