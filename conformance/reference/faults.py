"""The registry of deliberate bugs the reference server can switch on, one at a time.

Each API module declares its own `FAULTS` (collected by `conformance.reference.app.all_faults`); a fault
names the rule it breaks so the project's tests can assert that the suite catches it *by that rule*.
`kind="hostile"` marks a correct-but-SDK-hostile reading (AMB-30, AMB-39): the suite must pass it tolerant
with a warning; `kind="correct"` a correct alternative reading the suite must pass in both profiles;
`kind="partial"` a correct implementation of one Badges version only, which must pass with the other reported
not served (not part of the combined mode, which serves every API).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    rule: str
    description: str
    kind: str = "bug"
