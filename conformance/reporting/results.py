"""The results of one run, as collected by the plugin, with per-rule and per-API verdicts derived."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import rules

VERDICT_ORDER = ("error", "fail", "warn", "pass", "skip")
GUID_SEGMENT = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?=/|$)")


@dataclass
class RunResults:
    results: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        return Counter(r["verdict"] for r in self.results)

    @property
    def tool_errors(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "error"]

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "fail"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["verdict"] == "warn"]

    def rule_verdicts(self) -> dict[str, str]:
        """Worst verdict per rule id over every test that cites it; untested rules are absent."""
        verdicts: dict[str, str] = {}
        for result in self.results:
            for rule_id in result["rules"]:
                current = verdicts.get(rule_id, "skip")
                verdicts[rule_id] = min(current, result["verdict"], key=VERDICT_ORDER.index)
        return verdicts

    def operations(self) -> dict[str, Counter[int]]:
        """Status codes seen per operation (`METHOD /path/{id}`)."""
        seen: dict[str, Counter[int]] = {}
        for result in self.results:
            for method, path, status in result.get("traffic", []):
                path = GUID_SEGMENT.sub("/{id}", path.split("?", 1)[0])  # fuzz traffic is not templated
                seen.setdefault(f"{method} {path}", Counter())[int(status)] += 1
        return seen

    def failure_details(self) -> list[dict[str, Any]]:
        """Each failing or erroring test with the text and source of its rules and the failing exchange."""
        catalogue = rules.catalogue()
        details = []
        for result in self.results:
            if result["verdict"] not in ("fail", "error"):
                continue
            exchange = result.get("exchange") or {}
            details.append({
                "nodeid": result["nodeid"],
                "verdict": result["verdict"],
                "rules": [{"id": r, "statement": catalogue[r].statement if r in catalogue else "",
                           "source": catalogue[r].source if r in catalogue else ""} for r in result["rules"]],
                "message": result.get("tool_error") or result.get("message") or "",
                "curl": exchange.get("curl"),
                "status": exchange.get("status"),
                "response": exchange.get("response"),
            })
        return details

    def sdk_rows(self) -> list[dict[str, Any]]:
        """One row per official SDK method exercised (tests carrying the `sdk` marker), worst verdict wins."""
        rows: dict[str, dict[str, Any]] = {}
        for result in self.results:
            methods = result.get("sdk") or []
            for method in [methods] if isinstance(methods, str) else methods:
                row = rows.setdefault(method, {"method": method, "verdict": "skip", "tests": [], "rules": []})
                row["verdict"] = min(row["verdict"], result["verdict"], key=VERDICT_ORDER.index)
                row["tests"].append(result["nodeid"])
                row["rules"] = sorted(set(row["rules"]) | set(result["rules"]))
        return [rows[m] for m in sorted(rows)]

    def rule_coverage(self) -> dict[str, dict[str, int]]:
        """Per API: rules in the catalogue, and how many have at least one test in this run."""
        verdicts = self.rule_verdicts()
        coverage: dict[str, dict[str, int]] = {}
        for rule in rules.catalogue().values():
            row = coverage.setdefault(rule.api, {"total": 0, "tested": 0, "webhook": 0})
            row["total"] += 1
            row["tested"] += rule.id in verdicts
            row["webhook"] += rule.webhook
        return coverage

    def to_json(self) -> dict[str, Any]:
        catalogue = rules.catalogue()
        verdicts = self.rule_verdicts()
        return {
            "meta": self.meta,
            "counts": dict(self.counts()),
            "rules": [
                {"id": r.id, "api": r.api, "level": r.level, "statement": r.statement, "source": r.source,
                 "verdict": verdicts.get(r.id, "untested")}
                for r in catalogue.values()
            ],
            "operations": {op: dict(sorted(codes.items())) for op, codes in sorted(self.operations().items())},
            "coverage": self.rule_coverage(),
            "failures": self.failure_details(),
            "sdk": self.sdk_rows(),
            "tests": self.results,
        }


def load_results(path: Path, meta: dict[str, Any] | None = None) -> RunResults:
    data = json.loads(path.read_text(encoding="utf-8"))
    merged = {k: v for k, v in data.items() if k != "results"}
    merged.update(meta or {})
    return RunResults(results=data["results"], meta=merged)
