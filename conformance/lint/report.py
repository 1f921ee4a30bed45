"""What a lint run finds: one problem per finding, a summary per spec, and the exit code they add up to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: How a check reports a finding: `problem(where, message)`, the spec's name added by the caller.
Report = Callable[[str, str], None]


class Unreadable(Exception):
    """A spec file that is missing or not a YAML mapping: a tool error (exit 2), not a lint finding."""


@dataclass
class Problem:
    spec: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.spec}: {self.where}: {self.message}"


@dataclass
class SpecSummary:
    """What one spec declares: its operations (public paths), webhooks, example count and rule ids."""

    name: str
    prefix: str = ""
    operations: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    examples: int = 0
    rules: set[str] = field(default_factory=set)


@dataclass
class LintReport:
    specs: list[SpecSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    rules_expected: set[str] = field(default_factory=set)

    @property
    def rules_covered(self) -> set[str]:
        return set().union(*(s.rules for s in self.specs)) & self.rules_expected if self.specs else set()

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.problems else 0


def one_line(value: object) -> str:
    """An exception or warning text as one line of at most 300 characters, fit for a problem message."""
    return " ".join(str(value).split())[:300]
