"""The results of one run, as collected by the plugin, with per-rule and per-API verdicts derived."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import rules

VERDICT_ORDER = ("error", "fail", "warn", "pass", "skip")


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
                seen.setdefault(f"{method} {path}", Counter())[int(status)] += 1
        return seen

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
            "tests": self.results,
        }


def load_results(path: Path, meta: dict[str, Any] | None = None) -> RunResults:
    data = json.loads(path.read_text(encoding="utf-8"))
    merged = {k: v for k, v in data.items() if k != "results"}
    merged.update(meta or {})
    return RunResults(results=data["results"], meta=merged)
