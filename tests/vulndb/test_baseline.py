"""Reading an image's failed rules from its findings, and the verdicts built from them."""

from __future__ import annotations

from openhss.vulndb.baseline import BaselineFilter, ListedRule, risk_config_rules, risk_configs, rules_failed


def test_one_rule_per_id_with_the_catalogue_winning_for_known_rules() -> None:
    failed = rules_failed(
        [
            {"check_id": "ACCT-UID0", "risk_level": "Low", "check_name": "elsewhere"},
            {"check_id": "ACCT-UID0", "risk_level": "High"},
            {"check_id": "NEW-1", "risk_level": "Low", "check_name": "kernel"},
            {"check_id": "NEW-1", "risk_level": "High", "check_name": "ignored"},
            {"check_id": "NEW-2", "risk_level": "Critical"},
            {"check_id": ""},
            {"risk_level": "High"},
        ]
    )
    assert failed == {
        "ACCT-UID0": ListedRule("ACCT-UID0", "account_files", "High", "Only root has UID 0"),
        "NEW-1": ListedRule("NEW-1", "kernel", "High", "NEW-1"),
        "NEW-2": ListedRule("NEW-2", "other", "Low", "NEW-2"),
    }


def test_nothing_failed_is_every_concern_passed() -> None:
    verdicts = risk_configs({}, BaselineFilter())
    assert [(v.check_name, v.severity, v.failed_rule_num) for v in verdicts] == [
        ("account_files", "Security", 0),
        ("privileged_groups", "Security", 0),
        ("password_policy", "Security", 0),
        ("remote_trust", "Security", 0),
    ]
    assert sum(v.check_rule_num for v in verdicts) == 19
    assert all(r.scan_result == "pass" for r in risk_config_rules({}, "password_policy", BaselineFilter()))
    assert risk_configs({}, BaselineFilter(standard="cn_standard")) == []
