"""Rule traceability: every operation and webhook names catalogued rules in `x-rules`, and together the
linted specs reference every rule of their APIs (and the `common` rules when all of them are linted)."""

from __future__ import annotations

from typing import Any

from conformance import rules as rule_catalogue
from conformance.lint.documents import operations, webhook_operations
from conformance.lint.report import LintReport, Problem, Report

#: Which rule catalogue `api` each prefix owns; `common` rules are checked when all three specs are linted.
API_OF_PREFIX = {"/members/v3": "badges", "/loyalty-tiers/v1": "tiers", "/loyalty-rewards/v1": "rewards",
                 "/badges/v4": "badges-v4", "/badges": "assignments-v4"}


def rule_ids(document: dict[str, Any], problem: Report) -> set[str]:
    """The catalogued rule ids the spec's `x-rules` lists name; a missing list or an unknown id is a problem."""
    known = rule_catalogue.catalogue()
    found: set[str] = set()
    places = [(f"{m.upper()} {route}", op) for m, route, _, op in operations(document)]
    places += [(f"webhook {name}", op) for _, name, op in webhook_operations(document)]
    for where, op in places:
        ids = op.get("x-rules")
        if not isinstance(ids, list) or not ids:
            problem(where, "no `x-rules` list")
            continue
        for rule_id in ids:
            if rule_id not in known:
                problem(where, f"x-rules names unknown rule {rule_id!r}")
            else:
                found.add(rule_id)
    return found


def check_rules(report: LintReport) -> None:
    """Set the rules the linted specs must cover; report each one no operation or webhook references."""
    apis = {API_OF_PREFIX[s.prefix] for s in report.specs if s.prefix in API_OF_PREFIX}
    if apis == set(API_OF_PREFIX.values()):
        apis.add("common")
    report.rules_expected = {r.id for r in rule_catalogue.catalogue().values() if r.api in apis}
    covered = set().union(*(s.rules for s in report.specs)) if report.specs else set()
    for rule_id in sorted(report.rules_expected - covered, key=rule_catalogue.sort_key):
        message = f"rule {rule_id} is not referenced by any operation or webhook"
        report.problems.append(Problem("specs", "x-rules", message))
