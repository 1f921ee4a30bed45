"""The suite can use the spec: schemathesis loads it, generates requests for every operation and walks its links."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from conformance.lint.report import Report, one_line


def schemathesis_checks(path: Path, problem: Report) -> None:
    """The spec loads in schemathesis, every operation yields positive requests, and every link resolves."""
    import hypothesis
    import schemathesis
    from schemathesis.core.result import Err

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            schema = schemathesis.openapi.from_path(path)
            results = list(schema.get_all_operations())
        except Exception as exc:
            problem("schemathesis", f"cannot load: {exc.__class__.__name__}: {one_line(exc)}")
            return
        for result in results:
            if isinstance(result, Err):
                problem("schemathesis", f"operation does not load: {one_line(result.err())}")
                continue
            operation = result.ok()
            try:
                _generate_one(hypothesis, operation.as_strategy())
            except Exception as exc:
                problem(operation.label, f"schemathesis cannot generate a request: {exc.__class__.__name__}: "
                        f"{one_line(exc)}")
        try:
            schema.as_state_machine()  # validates every OpenAPI link (the stateful phase walks them)
        except Exception as exc:
            problem("links", one_line(exc))
    for warning in caught:
        text = str(warning.message)
        if any(word in text.lower() for word in ("unresolvable", "unsatisfiable", "reference")):
            problem("schemathesis", f"warning: {one_line(text)}")


def _generate_one(hypothesis: Any, strategy: Any) -> None:
    """Draw a few cases (generation only: no shrinking, no database); raises if none can be generated."""

    @hypothesis.given(strategy)
    @hypothesis.settings(max_examples=3, database=None, deadline=None, phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    def draw(case: Any) -> None:
        pass

    draw()
