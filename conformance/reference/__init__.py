"""The embedded reference implementation of the three APIs (Starlette + SQLite).

It is the suite's default target and its proving ground: `create_app(faults=...)` switches on
deliberate bugs so the project's tests can show that every check fires.
"""

from conformance.reference.app import ALTERNATIVE, all_faults, create_app, expand_faults

__all__ = ["ALTERNATIVE", "create_app", "all_faults", "expand_faults"]
