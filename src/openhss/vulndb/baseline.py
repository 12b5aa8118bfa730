"""An image's baseline results (the provider's risk-configs): each concern and each of its rules, passed
or failed, from the stored findings of its image ID and the rules of `openhss.baseline_rules`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, select

from openhss.baseline_rules import CONCERNS, RULES, RULES_BY_ID
from openhss.store.tables import sboms

STANDARD = "hw_standard"
"""Every rule here is a cloud security practice (the provider's `hw_standard`), none an MLPS one."""

UNGROUPED = "other"
"""The concern of a failed rule this server does not know and whose finding names no concern."""

PASS = "pass"
FAILED = "failed"
SECURITY = "Security"
_RANK = {"Low": 1, "Medium": 2, "High": 3}

T = TypeVar("T")


@dataclass(frozen=True)
class RiskConfig:
    """One concern's verdict for an image (the provider's ImageRiskConfigsInfoResponseInfo)."""

    severity: str
    """Security when every rule passed, else the highest risk among the failed rules."""
    check_name: str
    """The concern."""
    check_type: str
    """The same as check_name (as the provider's Linux baselines have it)."""
    standard: str
    """Always `hw_standard`."""
    check_rule_num: int
    """Rules of the concern."""
    failed_rule_num: int
    """Rules of the concern the image failed (each at least once)."""
    check_type_desc: str
    """What the concern's rules guard against."""


@dataclass(frozen=True)
class RiskConfigRule:
    """One rule's verdict for an image (the provider's ImageRiskConfigsCheckRulesResponseInfo)."""

    severity: str
    """The rule's own risk (High, Medium, Low), passed or failed."""
    check_name: str
    """Its concern."""
    check_type: str
    """The same as check_name."""
    standard: str
    """Always `hw_standard`."""
    check_rule_name: str
    """What the rule requires."""
    check_rule_id: str
    """Its stable id."""
    scan_result: str
    """`pass` or `failed`."""


@dataclass(frozen=True)
class BaselineFilter:
    """The filters of both routes; a value outside its set matches nothing (an empty list, no error)."""

    check_name: str | None = None
    """Exact concern (ListImageRiskConfigs)."""
    severity: str | None = None
    """Exact severity: of the concern (ListImageRiskConfigs), of the rule (ListImageRiskConfigRules)."""
    standard: str | None = None
    """Exact standard."""
    result_type: str | None = None
    """`pass` or `failed` (rules only)."""
    check_rule_name: str | None = None
    """Case-sensitive substring of the rule's name (rules only)."""


@dataclass(frozen=True)
class BaselinePage(Generic[T]):
    """A page of results and the number matching in all."""

    total_num: int
    """All results matching, not just this page."""
    rows: tuple[T, ...]
    """This page."""


@dataclass(frozen=True)
class ListedRule:
    """A rule as the verdicts list it: a known one, or one only a stored finding names."""

    id: str
    """Its id."""
    check_name: str
    """Its concern."""
    risk: str
    """High, Medium or Low."""
    name: str
    """What it requires (its id, for a rule only a finding names)."""


def parse_filter(params: Mapping[str, str]) -> BaselineFilter:
    """The filters present (an empty value is the same as none); never an error."""

    def given(name: str) -> str | None:
        value = params.get(name)
        return value if value else None

    return BaselineFilter(
        check_name=given("check_name"),
        severity=given("severity"),
        standard=given("standard"),
        result_type=given("result_type"),
        check_rule_name=given("check_rule_name"),
    )


def rules_failed(unsafe_settings: Sequence[Mapping[str, Any]]) -> dict[str, ListedRule]:
    """The distinct rules that `unsafe_settings` (findings, one per failed instance) failed, by id.

    A known rule takes its concern and risk from `openhss.baseline_rules`. A rule this server does
    not know (an agent newer than the server) is kept under the concern its finding names, with the
    highest risk its findings give, so that no unsafe setting goes uncounted or unlisted.
    """
    failed: dict[str, ListedRule] = {}
    for item in unsafe_settings:
        check_id = item.get("check_id")
        if not isinstance(check_id, str) or not check_id:
            continue
        known = RULES_BY_ID.get(check_id)
        if known is not None:
            failed[check_id] = ListedRule(known.id, known.check_name, known.risk, known.name)
            continue
        named = item.get("check_name")
        given = item.get("risk_level")
        risk = given if isinstance(given, str) and given in _RANK else "Low"
        concern = named if isinstance(named, str) and named else UNGROUPED
        seen = failed.get(check_id)
        if seen is not None:
            # the first finding names the concern; the worst one gives the risk
            risk, concern = max(risk, seen.risk, key=lambda r: _RANK[r]), seen.check_name
        failed[check_id] = ListedRule(check_id, concern, risk, check_id)
    return failed


def stored_failed_rules(conn: Connection, config_digest: str) -> dict[str, ListedRule] | None:
    """The rules the image's stored scan failed, by id; None when the image ID has no stored scan."""
    text = conn.execute(select(sboms.c.findings).where(sboms.c.config_digest == config_digest)).scalar()
    return None if text is None else rules_failed(_unsafe_settings(text))


def _unsafe_settings(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    items = data.get("unsafe_settings") if isinstance(data, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _all_rules(failed: Mapping[str, ListedRule]) -> list[ListedRule]:
    """The known rules in report order, then the unknown failed ones by id."""
    known = [ListedRule(r.id, r.check_name, r.risk, r.name) for r in RULES]
    return known + sorted((r for r in failed.values() if r.id not in RULES_BY_ID), key=lambda r: r.id)


def _concern_names(rules: Sequence[ListedRule]) -> list[str]:
    ordered = [c.check_name for c in CONCERNS]
    return ordered + sorted({r.check_name for r in rules} - set(ordered))


def risk_configs(failed: Mapping[str, ListedRule], wanted: BaselineFilter) -> list[RiskConfig]:
    """One verdict per concern, in report order, filtered by check_name, severity and standard."""
    if wanted.standard not in (None, STANDARD):
        return []
    rules = _all_rules(failed)
    descriptions = {c.check_name: c.description for c in CONCERNS}
    out: list[RiskConfig] = []
    for name in _concern_names(rules):
        mine = [r for r in rules if r.check_name == name]
        risks = [r.risk for r in mine if r.id in failed]
        severity = max(risks, key=lambda r: _RANK[r]) if risks else SECURITY
        verdict = RiskConfig(
            severity, name, name, STANDARD, len(mine), len(risks), descriptions.get(name, "")
        )
        if wanted.check_name not in (None, name) or wanted.severity not in (None, severity):
            continue
        out.append(verdict)
    return out


def risk_config_rules(
    failed: Mapping[str, ListedRule], check_name: str, wanted: BaselineFilter
) -> list[RiskConfigRule]:
    """The rules of one concern, in report order, filtered by standard, result, name and severity."""
    if wanted.standard not in (None, STANDARD):
        return []
    out: list[RiskConfigRule] = []
    for r in _all_rules(failed):
        result = FAILED if r.id in failed else PASS
        if (
            r.check_name != check_name
            or wanted.result_type not in (None, result)
            or wanted.severity not in (None, r.risk)
            or (wanted.check_rule_name is not None and wanted.check_rule_name not in r.name)
        ):
            continue
        out.append(RiskConfigRule(r.risk, r.check_name, r.check_name, STANDARD, r.name, r.id, result))
    return out


def page(items: Sequence[T], offset: int, limit: int) -> BaselinePage[T]:
    """Rows offset..offset+limit of `items`, with their total."""
    return BaselinePage(len(items), tuple(items[offset : offset + limit]))
