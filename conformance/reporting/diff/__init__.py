"""`conformance diff OLD NEW`: behaviour changes between two runs, classified breaking or benign.

Inputs: a cassette set (a folder with manifest.json), a report folder (with report.json) or a report.json.
Cassette sets carry every exchange, so requests can be compared one by one; a report gives rule verdicts only.

Requests are paired by what they mean, never by position: the same test, the same method and documented
operation, the same query and body once run-specific values are set aside (ids, the run's tagged names and
points; see `normalise`). Fuzz requests are generated from the seed, so two runs with different seeds share
few of them, and the unpaired ones are never compared.

One classification per change, decided by the rule verdicts:
- a rule whose verdict got worse (pass/warn -> fail/error) is breaking; its paired requests that were answered
  differently are shown beneath it as the evidence;
- any other verdict change (a fix, a new warning) is benign;
- a paired request answered differently (status, 2xx field removed or retyped, error code) under a rule whose
  verdict did not change is listed under that rule, benign: the suite judged both answers alike;
- tests without rules (fuzzing) are classified the same way by their own verdict.
"""

from conformance.reporting.diff.compare import (
    answer_differences,
    compare,
    flatten,
    identity_warnings,
    json_type,
    paired_differences,
)
from conformance.reporting.diff.model import Answer, Change, DiffInputError, Evidence, RecordedTest, RunProfile
from conformance.reporting.diff.render import body_text, console_lines, counts_line, diff_html, diff_markdown
from conformance.reporting.diff.runs import load_run, normalise, operation_key, request_key

__all__ = ["Answer", "Change", "DiffInputError", "Evidence", "RecordedTest", "RunProfile", "answer_differences",
           "body_text", "compare", "console_lines", "counts_line", "diff_html", "diff_markdown", "flatten",
           "identity_warnings", "json_type", "load_run", "normalise", "operation_key", "paired_differences",
           "request_key"]
