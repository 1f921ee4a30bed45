"""The whole-string GUID check the scenarios apply to server ids (the pattern lives in conformance.operations)."""

from __future__ import annotations

import re

from conformance.operations import GUID as GUID_IN_TEXT

GUID = re.compile(f"^{GUID_IN_TEXT.pattern}$")
