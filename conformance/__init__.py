"""Conformance suite for the Wix Members Badges v3, Loyalty Tiers v1 and Loyalty Rewards v1 APIs.

The package is layered (see ARCHITECTURE.md): specs -> target -> scenarios/fuzzing -> recording -> reporting.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
