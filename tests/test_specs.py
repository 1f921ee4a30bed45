"""The hand-authored specs pass the lint gate: valid OpenAPI 3.1, loadable and generatable by schemathesis,
examples that match their schemas, exactly the 29 documented endpoints, and every rule traced by `x-rules`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conformance import rules
from conformance.cli.main import main
from conformance.lint import INVENTORY, LintReport, lint
from conformance.paths import APIS, SPEC_FILES, spec_path, specs_dir


@pytest.fixture(scope="module")
def report() -> LintReport:
    return lint([spec_path(api) for api in APIS])


def _problems(report: LintReport, spec: str) -> list[str]:
    return [str(p) for p in report.problems if p.spec == spec]


@pytest.mark.parametrize("api", APIS)
def test_spec_validates_loads_and_generates(report: LintReport, api: str) -> None:
    """openapi-spec-validator, schemathesis load + generation, examples: no problem for this spec."""
    assert _problems(report, SPEC_FILES[api]) == []
    assert report.unreadable == []


@pytest.mark.parametrize("api", APIS)
def test_spec_has_examples(report: LintReport, api: str) -> None:
    summary = next(s for s in report.specs if s.name == SPEC_FILES[api])
    assert summary.examples >= 10


@pytest.mark.parametrize("api", APIS)
def test_the_fuzzer_reads_each_spec_as_schemathesis_own_loader_does(api: str) -> None:
    """`fuzzing.schema_for` builds the schema from the process-wide parse (libyaml's safe loader), not from
    schemathesis's pure-Python YAML loader: the two must give the same document, keys included."""
    import copy

    from schemathesis.core.deserialization import deserialize_yaml
    from schemathesis.openapi.loaders import stringify_keys

    from conformance.paths import load_spec

    ours = copy.deepcopy(load_spec(api))
    stringify_keys(ours)
    assert ours == deserialize_yaml(spec_path(api).read_text(encoding="utf-8"))


def test_inventory_is_the_43_documented_endpoints(report: LintReport) -> None:
    """29 of v3/tiers/rewards (API-FACTS) plus the 14 of Badges v4 and Badge Assignments v4 (issue 18)."""
    assert sum(len(s.operations) for s in report.specs) == 43 == sum(len(v) for v in INVENTORY.values())
    assert sum(len(s.webhooks) for s in report.specs) == 16


def test_every_rule_is_referenced(report: LintReport) -> None:
    assert report.rules_expected == set(rules.catalogue())
    assert report.rules_covered == set(rules.catalogue())
    webhook_rules = {r.id for r in rules.catalogue().values() if r.webhook}
    assert webhook_rules <= report.rules_covered


def test_lint_cli_prints_inventory_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "tiers"]) == 0
    out = capsys.readouterr().out
    assert "PATCH /tiers/{tierId}" in out and "10 operations" in out and "27/27 rules covered" in out


def _copy_specs(tmp_path: Path) -> Path:
    for name in ("common.yaml", *SPEC_FILES.values()):
        shutil.copy(specs_dir() / name, tmp_path / name)
    return tmp_path


def test_lint_exits_1_on_a_broken_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy_specs(tmp_path)
    path = folder / SPEC_FILES["tiers"]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    example = spec["paths"]["/tiers"]["post"]["responses"]["200"]["content"]["application/json"]["examples"]
    example["createTier"]["value"]["tier"]["revision"] = 1  # AMB-1: responses carry revision as a string
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "POST /tiers 200 example 'createTier'" in out and "tier/revision" in out


def test_lint_flags_unknown_rule_missing_operation_and_uncovered_rules(tmp_path: Path) -> None:
    folder = _copy_specs(tmp_path)
    path = folder / SPEC_FILES["rewards"]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    del spec["paths"]["/rewards/query"]
    spec["paths"]["/rewards"]["get"]["x-rules"] = ["REWARD-99"]
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    found = [str(p) for p in lint([path], generate=False).problems]
    assert any("POST /rewards/query is missing" in p for p in found)
    assert any("unknown rule 'REWARD-99'" in p for p in found)
    assert any("REWARD-22 is not referenced" in p for p in found)


def test_lint_exits_2_on_missing_or_unparsable_file(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "absent.yaml")]) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [unclosed\n", encoding="utf-8")
    assert main(["lint", str(broken)]) == 2
    assert "not valid YAML" in capsys.readouterr().out
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(spec_path("badges"), alone / "badges.yaml")  # without the common.yaml it references
    assert main(["lint", str(alone / "badges.yaml")]) == 2
    assert "referenced file common.yaml" in capsys.readouterr().out


def test_lint_flags_a_broken_link(tmp_path: Path) -> None:
    folder = _copy_specs(tmp_path)
    path = folder / SPEC_FILES["tiers"]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["paths"]["/tiers"]["post"]["responses"]["200"]["links"]["GetTier"]["operationId"] = "getTierX"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    found = [str(p) for p in lint([path]).problems]
    assert any("links" in p and "getTierX" in p for p in found)
