"""Every error the tool itself raises, and the exit codes, at the bottom layer: any module may import this one and
none defines its own. The exit code follows from the class, never from the message.

    ConformanceError            the tool could not do what was asked: one line, exit 2, never a rule verdict
     ├── UsageError             bad flags, config, headers, selection or input files
     ├── ToolError              the run could not judge (broken spec or cassette, no results collected)
     └── TargetError            the target could not be talked to (unreachable, timed out, refused)

A broken rule is not an error of the tool: `conformance.verdict.RuleViolation` (an AssertionError) is a verdict.
"""

from __future__ import annotations

EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_ERROR = 2
#: Stopped by SIGINT/SIGTERM: what the run created was cleaned up, and there is no verdict (128 + SIGINT).
EXIT_INTERRUPTED = 130


class ConformanceError(Exception):
    """Base of the tool's own errors: printed as `conformance: error: <message>`, exit 2."""

    exit_code = EXIT_ERROR


class UsageError(ConformanceError):
    """Bad flags, config, headers or input files."""


class ToolError(ConformanceError):
    """The run could not judge the target (broken spec, unreadable cassette, no results)."""


class TargetError(ConformanceError):
    """The target could not be talked to: unreachable, timed out, or answered in a way no check can judge."""
