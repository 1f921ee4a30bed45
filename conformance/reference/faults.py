"""The registry of deliberate bugs the reference server can switch on, one at a time.

Each API module declares its own `FAULTS`; a fault names the rule it breaks so the project's tests
can assert that the suite catches it *by that rule*. `kind="hostile"` marks a variant that is a
correct-but-SDK-hostile reading (AMB-30, AMB-39): the suite must pass it in the tolerant profile.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    rule: str
    description: str
    kind: str = "bug"


def all_faults() -> dict[str, Fault]:
    from conformance.reference import app, events

    faults: dict[str, Fault] = {}
    for module in (*app.API_MODULES, events):
        for fault in getattr(module, "FAULTS", ()):
            if fault.name in faults:
                raise ValueError(f"duplicate fault name {fault.name}")
            faults[fault.name] = fault
    return faults
