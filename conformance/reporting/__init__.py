"""Reports written after a run: report.json (machine-readable), summary.md, and the console summary."""

from conformance.reporting.results import RunResults, load_results
from conformance.reporting.writers import write_reports

__all__ = ["RunResults", "load_results", "write_reports"]
