"""What a diff reads and says: the recorded runs (answers per request key, verdicts) and the changes found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.errors import UsageError

#: What two runs must share for their answers to be comparable, with how to name each in a warning.
RUN_IDENTITY = (("seed", "seed"), ("target", "target"), ("faults", "faults"), ("profile", "profile"),
                ("suite_version", "suite version"))


class DiffInputError(UsageError, ValueError):
    """The path is neither a cassette set nor a report: exit 2."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text
    operation: str  # "POST /loyalty-tiers/v1/tiers/{id}"


@dataclass
class RecordedTest:
    verdict: str
    rules: list[str]
    #: request key -> the answers to that request, in the order the test sent them
    answers: dict[tuple[str, ...], list[Answer]] = field(default_factory=dict)


@dataclass
class RunProfile:
    label: str
    identity: dict[str, Any]
    verdicts: dict[str, str]  # rule id -> verdict
    tests: dict[str, RecordedTest]
    has_bodies: bool
    statements: dict[str, str] = field(default_factory=dict)

    @property
    def operations(self) -> set[str]:
        return {a.operation for t in self.tests.values() for answers in t.answers.values() for a in answers}


@dataclass(frozen=True)
class Evidence:
    """One request both runs sent in the same test, answered differently."""

    test: str
    request: str
    old: Answer
    new: Answer
    differences: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    kind: str  # rule | test | operation
    subject: str  # rule id, test id or operation
    detail: str
    breaking: bool
    evidence: tuple[Evidence, ...] = ()
    statement: str = ""

