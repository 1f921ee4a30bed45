"""Spec lint: the gate every spec edit must pass (ours in CI, a vendor's edited copy via `conformance lint`).

A spec is only useful to the suite when it is valid OpenAPI 3.1, schemathesis can load it and generate
requests for every operation, its examples agree with its schemas, it covers exactly the documented
endpoints (API-FACTS §2.3, §3.2, §4.2) and it traces every catalogued rule to an operation or webhook.

One module per check: `structure` (OpenAPI 3.1, endpoint inventory), `examples`, `xrules` (rule
traceability), `generation` (schemathesis); `documents` reads specs, `report` holds what a run finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from conformance.lint.documents import HTTP_METHODS, Documents, load
from conformance.lint.examples import examples
from conformance.lint.generation import schemathesis_checks
from conformance.lint.report import LintReport, Problem, SpecSummary, Unreadable
from conformance.lint.structure import INVENTORY, inventory, server_prefix, spec_validator_errors
from conformance.lint.xrules import API_OF_PREFIX, check_rules, rule_ids

__all__ = ["API_OF_PREFIX", "HTTP_METHODS", "INVENTORY", "LintReport", "Problem", "SpecSummary", "Unreadable",
           "lint", "load"]


def lint(paths: Sequence[Path | str], *, generate: bool = True) -> LintReport:
    """Run every check on the given spec files; a missing or unparsable file is reported, not raised.

    `generate=False` skips the schemathesis load-and-generate step (the slow one) for quick structural checks.
    """
    report = LintReport()
    for raw in paths:
        path = Path(raw)
        try:
            document = load(path)
            report.specs.append(_lint_one(path, document, report.problems, generate=generate))
        except Unreadable as exc:  # the spec, or a file it references (common.yaml)
            report.unreadable.append(f"{path}: {exc}")
    if not report.unreadable:
        check_rules(report)
    return report


def _lint_one(path: Path, document: dict[str, Any], problems: list[Problem], *,
              generate: bool) -> SpecSummary:
    summary = SpecSummary(name=path.name)

    def problem(where: str, message: str) -> None:
        problems.append(Problem(path.name, where, message))

    docs = Documents(path)
    for uri, doc in docs.openapi_documents(document):
        for message in spec_validator_errors(doc, uri):
            source = "" if uri == docs.root else f" ({Path(urlparse(uri).path).name})"
            problem(f"openapi-spec-validator{source}", message)
    summary.prefix = server_prefix(document)
    inventory(summary, document, problem)
    summary.examples = examples(docs, document, problem)
    summary.rules = rule_ids(document, problem)
    if generate:
        schemathesis_checks(path, problem)
    return summary
