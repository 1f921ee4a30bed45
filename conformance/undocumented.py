"""Undocumented input handling is not a rule: which negative fuzz cases an implementation may accept.

schemathesis's negative-data check expects every schema-violating request to be rejected. For some
violations the documents say nothing about what the request means, so accepting it is a correct reading:
an empty query value (`paging.limit=`) may be read as absent, a repeated scalar parameter (`limit=5&limit=x`)
as its first or its last value, a parameter whose name is not the documented one (another letter case, or
not documented at all) may be ignored (AMB-30/39), and a blank body (only whitespace) where the body is
optional may be read as no body. A case whose violations all disappear under those readings is not judged.
"""

from __future__ import annotations

import itertools
from typing import Any

from schemathesis.core.parameters import ParameterLocation

#: Locations where schemathesis may have made the case negative and the readings above do not apply.
JUDGED_LOCATIONS = (ParameterLocation.PATH, ParameterLocation.HEADER, ParameterLocation.COOKIE)


def only_undocumented_input(case: Any) -> bool:
    """True when a negative case is valid under some reading of its query and body the documents leave open."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    if any(meta.is_negative_at(location) for location in JUDGED_LOCATIONS):
        return False
    body_negative = meta.is_negative_at(ParameterLocation.BODY)
    if body_negative and not _blank_optional_body(case):
        return False
    if not meta.is_negative_at(ParameterLocation.QUERY):
        return body_negative
    container = case.operation.get_parameter_set(ParameterLocation.QUERY)
    if not container or not isinstance(case.query, dict):
        return False
    properties = container.schema.get("properties", {})
    readings = _readings(case.query, properties)
    if readings is None:
        return False
    validator = container.get_strict_validator()
    try:
        return any(validator.is_valid(reading) for reading in readings)
    except Exception:  # a pattern the validator cannot compile: no judgement either way
        return False


def _readings(query: dict[str, Any], properties: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Every reading of the query under the open points, or None when the query holds none of them."""
    choices: dict[str, list[Any]] = {}
    open_point = False
    for name, value in query.items():
        if name not in properties:
            open_point = True  # another case of a documented name, or undocumented: may be ignored
            continue
        values = value if isinstance(value, list) and not _is_array(properties[name]) else [value]
        if len(values) > 1:
            open_point = True
            values = [values[0], values[-1]]  # a repeated scalar: its first or its last value
        present = [v for v in values if v != "" and v is not None]
        if len(present) < len(values):
            open_point = True  # an empty value: absent
        if present:
            choices[name] = present
    if not open_point:
        return None
    names = list(choices)
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*choices.values())]


def _blank_optional_body(case: Any) -> bool:
    body = case.body
    if not isinstance(body, (str, bytes)) or body.strip():
        return False
    alternatives = list(case.operation.body)
    return bool(alternatives) and not any(alternative.is_required for alternative in alternatives)


def _is_array(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)
