"""The embedded reference implementation of the three APIs (Starlette + SQLite).

It is the suite's default target and its proving ground: `create_app(faults=...)` switches on
deliberate bugs so the project's tests can show that every check fires.
"""

from conformance.reference.app import all_faults, create_app

__all__ = ["create_app", "all_faults"]
