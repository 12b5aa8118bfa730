"""The baseline's rules: one catalogue, the one the scanner runs and the server lists."""

from __future__ import annotations

from openhss.baseline_rules import CONCERNS, RULES, RULES_BY_ID
from openhss.scan.baseline import ALL_CHECKS


def test_every_rule_belongs_to_a_described_concern() -> None:
    concerns = [c.check_name for c in CONCERNS]
    assert len(set(concerns)) == len(concerns)
    assert all(c.description for c in CONCERNS)
    assert {r.check_name for r in RULES} == set(concerns)
    assert len(RULES_BY_ID) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    assert {r.risk for r in RULES} <= {"High", "Medium", "Low"}
    # grouped by concern, in the concerns' order
    order = [concerns.index(r.check_name) for r in RULES]
    assert order == sorted(order)


def test_the_scanner_runs_exactly_these_rules() -> None:
    assert [(c.id, c.check_name, c.risk, c.fix) for c in ALL_CHECKS] == [
        (r.id, r.check_name, r.risk, r.fix) for r in RULES
    ]
