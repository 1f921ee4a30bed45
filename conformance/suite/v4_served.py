"""Whether the target serves Badges v4 at all, asked once per target for the session.

A v3-only implementation answers 404 to every v4 probe; then every v4 test is skipped with one reason
instead of failing, so one command works against a v3-only, a v4-only and a both implementation.
"""

from __future__ import annotations

import pytest

from conformance.apis.badges_v4 import served
from conformance.target import Target

NOT_SERVED = "the target does not serve Badges v4 (every v4 probe answered 404)"
_served: dict[str, bool] = {}


def require_v4(target: Target) -> None:
    """Skip the calling test when the target serves no v4 route; probes once per base URL."""
    if target.base_url not in _served:
        _served[target.base_url] = served(target)
    if not _served[target.base_url]:
        pytest.skip(NOT_SERVED)
